"""The `switchyard` command line, built on switchyard_client."""

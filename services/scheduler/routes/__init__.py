"""The scheduler's internal HTTP API (127.0.0.1 only), one router per area."""

"""The notifier's internal HTTP routes (127.0.0.1 only, behind the gateway), one module per area."""

"""Billing: prices frozen at submission, every started minute of a running job charged once (packages
first, then the balance), a double-entry ledger, funds and package notices, and the internal API the
gateway and the scheduler call. app.py wires it; the layout follows services/notifier."""

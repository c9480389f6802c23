"""Vendor simulators: local stand-ins for the AI-compute clouds, speaking each vendor's documented API.

Run one with `python -m services.vendorsim <vendor> --port N`. Every simulator shares
the fault injection in `faults` and the job steering in `steering`.
"""

"""Billing's internal HTTP API, one router per area; what they share is in deps.py and views.py, and
services/billing/api.py puts them together."""

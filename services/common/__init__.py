"""Plumbing every service uses: settings, logging, tracing, database, outbox, inbox, Kafka consumers.

This is a library, not a service: services import it, it imports no service.
"""

"""Kafka topic names. Every topic is keyed by its aggregate so one job's events stay in order."""

JOBS_COMMANDS = "switchyard.jobs.commands"  # JobRequested, JobCancelRequested; key = job id
JOBS_EVENTS = "switchyard.jobs.events"  # JobSubmitted, JobRejected, JobStateChanged; key = job id
BILLING_EVENTS = "switchyard.billing.events"  # UsageCharged; key = job id

ALL_TOPICS = (JOBS_COMMANDS, JOBS_EVENTS, BILLING_EVENTS)

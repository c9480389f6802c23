"""Kafka topic names. Every topic is keyed by its aggregate so one job's events stay in order."""

# JobRequested, JobCancelRequested (key = job id); TenantLimitsSet, TenantStatusSet (key = tenant id);
# CatalogRefreshRequested (key = vendor)
JOBS_COMMANDS = "switchyard.jobs.commands"
# JobSubmitted, JobRejected, JobStateChanged, JobPlacementAttempted, JobStopRequested, JobLostOnVendor; key = job id
JOBS_EVENTS = "switchyard.jobs.events"
VENDOR_EVENTS = "switchyard.vendors.events"  # VendorHealthChanged, FlavorChanged; key = vendor
BILLING_EVENTS = "switchyard.billing.events"  # UsageCharged, funds and package notices; key = job or tenant id
BILLING_USAGE = "switchyard.billing.usage"  # UsageMinute, billing meter -> rater; key = tenant id

ALL_TOPICS = (JOBS_COMMANDS, JOBS_EVENTS, BILLING_EVENTS, BILLING_USAGE, VENDOR_EVENTS)

"""SQL for the gateway's schema, by concern: tenants, jobs (with their commands to the scheduler and their
idempotency keys), and the read model kept from the other services' events. Stores read and write; the route
or handler that calls them owns the transaction (`services.common.unit_of_work`)."""

SCHEMA = "gateway"
SOURCE = "switchyard/gateway"

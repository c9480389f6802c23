"""The notifier's SQL, one module per concern: `endpoints`, `deliveries` (the queue and its attempts),
`target_health`, `topics`, `subscriptions` and `job_kinds`.

Store functions read and write on the connection (or pool) they are given and never open a transaction:
where several writes belong together, the route, handler or worker that asked for them opens a unit of
work (`services.common.unit_of_work`) and hands its connection in. A single statement given the pool is a
transaction of its own. The rules live in plain modules (health, retry, filters, fanout); the one rule
kept in SQL is how many deliveries a target may have claimed (`deliveries.claim_due`), since replicas
claiming side by side must agree on it within the claiming statement.
"""

import asyncpg

Db = asyncpg.Pool | asyncpg.Connection


class AlreadyExists(Exception):
    """A unique name or address is taken (a topic's name, a subscription's endpoint on its topic)."""

"""Idempotency keys: the first reply to each (scope, key), with its request's fingerprint, kept for the
retention period. Whether a repeat replays or conflicts is commands.py's."""

import asyncpg


async def claim(conn: asyncpg.Connection, scope: str, key: str) -> asyncpg.Record | None:
    """Hold (scope, key) until the transaction ends; the stored (fingerprint, status, response), or
    None when the key is new (the caller then stores its reply). The advisory lock comes before any
    row lock (see store/locks.py): a repeat waits here for the first request to finish."""
    await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1 || ':' || $2, 0))", scope, key)
    return await conn.fetchrow(
        "SELECT fingerprint, status, response FROM billing.idempotency_keys WHERE scope = $1 AND key = $2",
        scope, key)


async def store_reply(conn: asyncpg.Connection, scope: str, key: str, fingerprint: str,
                      status: int, response: dict) -> None:
    await conn.execute(
        """INSERT INTO billing.idempotency_keys (scope, key, fingerprint, status, response)
           VALUES ($1, $2, $3, $4, $5)""",
        scope, key, fingerprint, status, response)


async def forget_older_than(conn: asyncpg.Connection, hours: float) -> int:
    """Delete the keys stored more than `hours` ago; returns how many."""
    result = await conn.execute(
        "DELETE FROM billing.idempotency_keys WHERE created_at < now() - $1 * interval '1 hour'", hours)
    return int(result.split()[-1])

"""SQL for the notifier schema: endpoints, deliveries and their attempts."""

import uuid

import asyncpg

Db = asyncpg.Pool | asyncpg.Connection

DELIVERIES_CHANNEL = "notifier_deliveries"  # NOTIFY'd when deliveries are queued; wakes the worker
ERROR_MAX_CHARS = 500


async def create_endpoint(db: Db, *, endpoint_id: uuid.UUID, tenant_id: uuid.UUID, url: str,
                          event_types: list[str], secret: str) -> asyncpg.Record:
    return await db.fetchrow(
        """INSERT INTO notifier.endpoints (id, tenant_id, url, event_types, secret)
           VALUES ($1, $2, $3, $4, $5)
           RETURNING id, url, event_types, secret, created_at""",
        endpoint_id, tenant_id, url, event_types, secret,
    )


async def list_endpoints(db: Db, tenant_id: uuid.UUID) -> list[asyncpg.Record]:
    return await db.fetch(
        """SELECT id, url, event_types, created_at FROM notifier.endpoints
           WHERE tenant_id = $1 AND deleted_at IS NULL ORDER BY created_at, id""",
        tenant_id,
    )


async def endpoint_exists(db: Db, tenant_id: uuid.UUID, endpoint_id: uuid.UUID) -> bool:
    return bool(await db.fetchval(
        "SELECT 1 FROM notifier.endpoints WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL",
        endpoint_id, tenant_id,
    ))


async def delete_endpoint(pool: asyncpg.Pool, tenant_id: uuid.UUID, endpoint_id: uuid.UUID) -> bool:
    """Soft-delete the endpoint and cancel what it still had queued. False if the tenant has no such endpoint."""
    async with pool.acquire() as conn, conn.transaction():
        deleted = await conn.fetchval(
            """UPDATE notifier.endpoints SET deleted_at = now()
               WHERE id = $1 AND tenant_id = $2 AND deleted_at IS NULL RETURNING true""",
            endpoint_id, tenant_id,
        )
        if deleted:
            await conn.execute(
                """UPDATE notifier.deliveries SET status = 'cancelled', last_error = 'endpoint deleted'
                   WHERE endpoint_id = $1 AND status = 'pending'""",
                endpoint_id,
            )
        return bool(deleted)


async def subscribed_endpoints(conn: asyncpg.Connection, tenant_id: uuid.UUID, event_type: str) -> list[uuid.UUID]:
    rows = await conn.fetch(
        """SELECT id FROM notifier.endpoints
           WHERE tenant_id = $1 AND deleted_at IS NULL AND $2 = ANY(event_types)""",
        tenant_id, event_type,
    )
    return [row["id"] for row in rows]


async def queue_deliveries(conn: asyncpg.Connection, deliveries: list[tuple[uuid.UUID, uuid.UUID]], *,
                           tenant_id: uuid.UUID, event_id: uuid.UUID, event_type: str, body: str) -> None:
    """Queue (delivery id, endpoint id) pairs; an id already queued stays as it is."""
    await conn.executemany(
        """INSERT INTO notifier.deliveries (id, endpoint_id, tenant_id, event_id, event_type, body)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING""",
        [(delivery_id, endpoint_id, tenant_id, event_id, event_type, body)
         for delivery_id, endpoint_id in deliveries],
    )
    # Delivered at commit, so the worker wakes only for committed rows.
    await conn.execute("SELECT pg_notify($1, '')", DELIVERIES_CHANNEL)


async def claim_due(pool: asyncpg.Pool, limit: int, lease_s: float) -> list[asyncpg.Record]:
    """Take up to `limit` due deliveries and lease them: pushing next_attempt_at out by `lease_s` hides them
    from other workers while they are sent, and brings them back if this process dies mid-send."""
    return await pool.fetch(
        """WITH due AS (
               SELECT id FROM notifier.deliveries
               WHERE status = 'pending' AND next_attempt_at <= now()
               ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED)
           UPDATE notifier.deliveries d
           SET next_attempt_at = now() + make_interval(secs => $2)
           FROM due, notifier.endpoints e
           WHERE d.id = due.id AND e.id = d.endpoint_id
           RETURNING d.id, d.attempts, d.body, e.url, e.secret""",
        limit, lease_s,
    )


async def record_attempt(pool: asyncpg.Pool, delivery_id: uuid.UUID, attempt: int, *, status_code: int | None,
                         latency_ms: int, error: str | None, status: str, retry_in_s: float | None) -> bool:
    """Record attempt number `attempt` and the delivery's new state. False (nothing written) when the attempt
    was already recorded or the delivery left 'pending' meanwhile (e.g. its endpoint was deleted)."""
    error = error[:ERROR_MAX_CHARS] if error else None
    return bool(await pool.fetchval(
        """WITH d AS (
               UPDATE notifier.deliveries SET
                   attempts = $2, status = $6, last_status_code = $3, last_error = $5,
                   delivered_at = CASE WHEN $6 = 'delivered' THEN now() END,
                   next_attempt_at = CASE WHEN $7::float8 IS NULL THEN next_attempt_at
                                          ELSE now() + make_interval(secs => $7::float8) END
               WHERE id = $1 AND status = 'pending' AND attempts = $2 - 1
               RETURNING id)
           INSERT INTO notifier.delivery_attempts (delivery_id, attempt, status_code, latency_ms, error)
           SELECT id, $2, $3, $4, $5 FROM d
           RETURNING true""",
        delivery_id, attempt, status_code, latency_ms, error, status, retry_in_s,
    ))


async def list_deliveries(db: Db, tenant_id: uuid.UUID, endpoint_id: uuid.UUID, limit: int) -> list[asyncpg.Record]:
    return await db.fetch(
        """SELECT d.id, d.event_type, d.status, d.attempts, d.last_status_code, d.last_error,
                  d.created_at, d.delivered_at
           FROM notifier.deliveries d
           WHERE d.endpoint_id = $1 AND d.tenant_id = $2
           ORDER BY d.created_at DESC, d.id DESC LIMIT $3""",
        endpoint_id, tenant_id, limit,
    )

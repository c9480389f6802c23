"""SQL for the notifier's delivery queue and each delivery's attempts.

The queue is one table for every target (webhook endpoint or topic subscription). A worker claims due
rows with FOR UPDATE SKIP LOCKED and leases them: next_attempt_at moves past the attempt's deadline and
`leased_by` names the claim, so another replica neither sends the same attempt nor records over it, and
a crashed worker's rows come back when the lease runs out, with the same id.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from services.common.tracing import current_traceparent
from services.notifier.store import Db

DELIVERIES_CHANNEL = "notifier_deliveries"  # NOTIFY'd when deliveries are queued; wakes the workers
ERROR_MAX_CHARS = 500


@dataclass(frozen=True)
class Queued:
    id: uuid.UUID
    channel: str  # webhook | http | email
    body: str
    endpoint_id: uuid.UUID | None = None
    subscription_id: uuid.UUID | None = None
    failed_because: str | None = None  # queued as already failed (its endpoint is disabled)


async def queue(conn: asyncpg.Connection, deliveries: list[Queued], *, tenant_id: uuid.UUID,
                event_id: uuid.UUID, event_type: str) -> None:
    """Queue deliveries of one event; an id already queued stays as it is. A target whose breaker is
    open gets its delivery when the breaker lets it through."""
    if not deliveries:
        return
    await conn.execute(
        """INSERT INTO notifier.deliveries
               (id, channel, endpoint_id, subscription_id, body, status, last_error,
                tenant_id, event_id, event_type, next_attempt_at, traceparent)
           SELECT q.id, q.channel, q.endpoint_id, q.subscription_id, q.body,
                  CASE WHEN q.failed_because IS NULL THEN 'pending' ELSE 'failed' END, q.failed_because,
                  $8, $9, $10, greatest(now(), h.open_until), $11
           FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[], $5::text[], $6::text[], $7::uuid[])
                AS q(id, channel, endpoint_id, subscription_id, body, failed_because, target_id)
           LEFT JOIN notifier.target_health h ON h.target_id = q.target_id
           ON CONFLICT (id) DO NOTHING""",
        [d.id for d in deliveries], [d.channel for d in deliveries], [d.endpoint_id for d in deliveries],
        [d.subscription_id for d in deliveries], [d.body for d in deliveries],
        [d.failed_because for d in deliveries], [d.endpoint_id or d.subscription_id for d in deliveries],
        tenant_id, event_id, event_type, current_traceparent(),  # the attempts continue the event's trace
    )
    await _wake_workers(conn)


async def claim_due(db: Db, *, now: datetime, limit: int, lease_until: datetime, lease: uuid.UUID,
                    target_cap: int, breaker_failures: int, busy: dict[uuid.UUID, int]) -> list[asyncpg.Record]:
    """Take up to `limit` due deliveries and lease them, at most as many per target as it may have in flight:
    none while its breaker is open, one probe when half-open (open period over, failures not yet cleared),
    else `target_cap` less what this process already has in flight for it (`busy`)."""
    return await db.fetch(
        """WITH busy AS (
               SELECT * FROM unnest($6::uuid[], $7::int[]) AS b(target_id, inflight)
           ), due AS (
               SELECT id, target_id, next_attempt_at,
                      row_number() OVER (PARTITION BY target_id ORDER BY next_attempt_at, id) AS rank
               FROM notifier.deliveries WHERE status = 'pending' AND next_attempt_at <= $1
           ), allowed AS (
               SELECT due.id, due.next_attempt_at FROM due
               LEFT JOIN notifier.target_health h ON h.target_id = due.target_id
               LEFT JOIN busy b ON b.target_id = due.target_id
               WHERE due.rank <= CASE WHEN h.open_until > $1 THEN 0
                                      WHEN h.consecutive_failures >= $5 THEN 1
                                      ELSE $4 END - coalesce(b.inflight, 0)
               ORDER BY due.next_attempt_at LIMIT $2
           ), locked AS (
               SELECT d.id, d.endpoint_id, d.subscription_id FROM notifier.deliveries d
               JOIN allowed a ON a.id = d.id
               WHERE d.status = 'pending' AND d.next_attempt_at <= $1
               FOR UPDATE OF d SKIP LOCKED
           )
           UPDATE notifier.deliveries d SET next_attempt_at = $3, leased_by = $8
           FROM locked l
           LEFT JOIN notifier.endpoints e ON e.id = l.endpoint_id
           LEFT JOIN notifier.subscriptions s ON s.id = l.subscription_id
           LEFT JOIN notifier.topics t ON t.id = s.topic_id
           WHERE d.id = l.id
           RETURNING d.id, d.channel, d.target_id, d.tenant_id, d.event_type, d.attempts, d.round_attempts,
                     d.body, d.leased_by, d.traceparent, e.url, e.secret,
                     CASE WHEN e.previous_secret_expires_at > $1 THEN e.previous_secret END AS previous_secret,
                     s.endpoint AS subscriber, s.protocol, t.urn AS topic_urn""",
        now, limit, lease_until, target_cap, breaker_failures, list(busy), list(busy.values()), lease,
    )


@dataclass(frozen=True)
class Attempt:
    """One attempt's result and the delivery's state after it."""

    delivery_id: uuid.UUID
    lease: uuid.UUID
    started_at: datetime
    status: str  # pending (retry at next_attempt_at), delivered, failed
    status_code: int | None
    latency_ms: int
    error: str | None
    next_attempt_at: datetime | None


async def record_attempts(conn: asyncpg.Connection, attempts: list[Attempt], now: datetime) -> list[asyncpg.Record]:
    """Record a batch of attempts and their deliveries' new state. Only attempts whose lease still holds are
    written (another worker may have taken an expired lease over); those are returned."""
    return await conn.fetch(
        """WITH r AS (
               SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[], $4::text[], $5::int[], $6::int[],
                                    $7::text[], $8::timestamptz[])
                   AS r(id, lease, started_at, status, status_code, latency_ms, error, next_attempt_at)
           ), d AS (
               UPDATE notifier.deliveries d SET
                   attempts = d.attempts + 1, round_attempts = d.round_attempts + 1, status = r.status,
                   last_status_code = r.status_code, last_error = r.error, leased_by = NULL,
                   delivered_at = CASE WHEN r.status = 'delivered' THEN $9::timestamptz END,
                   next_attempt_at = coalesce(r.next_attempt_at, d.next_attempt_at)
               FROM r WHERE d.id = r.id AND d.leased_by = r.lease AND d.status = 'pending'
               RETURNING d.id, d.attempts, d.status, d.target_id, d.endpoint_id, d.tenant_id, d.event_type,
                         d.last_status_code, d.last_error
           ), a AS (
               INSERT INTO notifier.delivery_attempts (delivery_id, attempt, status_code, latency_ms, error, at)
               SELECT d.id, d.attempts, r.status_code, r.latency_ms, r.error, r.started_at
               FROM d JOIN r ON r.id = d.id
           )
           SELECT * FROM d""",
        [a.delivery_id for a in attempts], [a.lease for a in attempts], [a.started_at for a in attempts],
        [a.status for a in attempts], [a.status_code for a in attempts], [a.latency_ms for a in attempts],
        [a.error[:ERROR_MAX_CHARS] if a.error else None for a in attempts],
        [a.next_attempt_at for a in attempts], now,
    )


async def of_endpoint(db: Db, tenant_id: uuid.UUID, endpoint_id: uuid.UUID, *, limit: int,
                      before: tuple[datetime, uuid.UUID] | None = None,
                      status: str | None = None) -> list[asyncpg.Record]:
    """Newest first, each with its attempts (a JSON list), keyset-paginated on (created_at, id): `before` is the
    last row of the previous page."""
    return await db.fetch(
        """SELECT d.id, d.event_type, d.status, d.attempts, d.last_status_code, d.last_error, d.created_at,
                  d.delivered_at, CASE WHEN d.status = 'pending' THEN d.next_attempt_at END AS next_attempt_at,
                  coalesce((SELECT jsonb_agg(jsonb_build_object(
                                'attempt', a.attempt, 'status_code', a.status_code, 'latency_ms', a.latency_ms,
                                'error', a.error, 'at', a.at) ORDER BY a.attempt)
                            FROM notifier.delivery_attempts a WHERE a.delivery_id = d.id), '[]') AS attempt_history
           FROM notifier.deliveries d
           WHERE d.target_id = $1 AND d.tenant_id = $2 AND ($4::text IS NULL OR d.status = $4)
             AND ($5::timestamptz IS NULL OR (d.created_at, d.id) < ($5, $6))
           ORDER BY d.created_at DESC, d.id DESC LIMIT $3""",
        endpoint_id, tenant_id, limit, status, *(before or (None, None)),
    )


@dataclass(frozen=True)
class Sent:
    """What a tenant had queued in a window: how many, the oldest (None when none) and the time now."""

    count: int
    oldest: datetime | None
    now: datetime


async def confirmation_mails_since(db: Db, tenant_id: uuid.UUID, window_s: float) -> Sent:
    """The tenant's subscription confirmation mails (fanout.CONFIRMATION over e-mail) queued in the last `window_s`
    seconds, by the database clock, which stamps created_at. The kind is written out, not a parameter, so the
    partial index `deliveries_confirmation_mails` serves every plan."""
    row = await db.fetchrow(
        """SELECT count(*) AS count, min(created_at) AS oldest, now() AS now FROM notifier.deliveries
           WHERE tenant_id = $1 AND event_type = 'subscription.confirmation' AND channel = 'email'
             AND created_at > now() - make_interval(secs => $2)""",
        tenant_id, window_s,
    )
    return Sent(row["count"], row["oldest"], row["now"])


async def replay(db: Db, tenant_id: uuid.UUID, endpoint_id: uuid.UUID, since: datetime,
                 until: datetime | None) -> int:
    """Queue again, with their ids, the endpoint's deliveries created in [since, until) that are not pending:
    a fresh round of attempts each. The caller has checked that the endpoint is enabled."""
    replayed = await db.fetchval(
        """WITH replayed AS (
               UPDATE notifier.deliveries
               SET status = 'pending', round_attempts = 0, next_attempt_at = now(), delivered_at = NULL,
                   leased_by = NULL
               WHERE target_id = $1 AND tenant_id = $2 AND status IN ('delivered', 'failed')
                 AND created_at >= $3 AND ($4::timestamptz IS NULL OR created_at < $4)
               RETURNING id)
           SELECT count(*) FROM replayed""",
        endpoint_id, tenant_id, since, until,
    )
    if replayed:
        await _wake_workers(db)
    return replayed


async def cancel_pending(db: Db, target_ids: list[uuid.UUID], reason: str) -> None:
    """The targets are gone (deleted, unsubscribed): what they still had queued is cancelled."""
    await _end_pending(db, target_ids, "cancelled", reason)


async def fail_pending(db: Db, target_ids: list[uuid.UUID], reason: str) -> None:
    """The targets are disabled: what they had queued fails (a replay brings it back)."""
    await _end_pending(db, target_ids, "failed", reason)


async def _end_pending(db: Db, target_ids: list[uuid.UUID], status: str, reason: str) -> None:
    if target_ids:
        await db.execute(
            """UPDATE notifier.deliveries SET status = $2, last_error = $3, leased_by = NULL
               WHERE target_id = ANY($1::uuid[]) AND status = 'pending'""",
            target_ids, status, reason,
        )


async def hold_back(db: Db, target_id: uuid.UUID, until: datetime) -> None:
    """The breaker opened: the target's queued deliveries wait until `until`. Rows leased by a worker are
    left to it (it records them itself)."""
    await db.execute(
        """UPDATE notifier.deliveries SET next_attempt_at = $2
           WHERE target_id = $1 AND status = 'pending' AND leased_by IS NULL AND next_attempt_at < $2""",
        target_id, until,
    )


async def _wake_workers(db: Db) -> None:
    # Delivered at commit, so the workers wake only for committed rows.
    await db.execute("SELECT pg_notify($1, '')", DELIVERIES_CHANNEL)

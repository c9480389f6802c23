"""The unit of work: one pooled connection in one transaction, opened by a handler, a route or a worker.

Stores take the connection they are given and never open a transaction of their own, so what one
command changes (its rows, its outbox events, its inbox claim) commits or rolls back together, and the
place that opened the unit of work is the one place that decides what belongs to it.
"""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg
from opentelemetry.trace import SpanKind

from services.common.tracing import span


@asynccontextmanager
async def unit_of_work(pool: asyncpg.Pool) -> AsyncIterator[asyncpg.Connection]:
    with span("db transaction", kind=SpanKind.CLIENT, **{"db.system.name": "postgresql"}):
        async with pool.acquire() as conn, conn.transaction():
            yield conn

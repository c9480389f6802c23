"""asyncpg pool creation, and what a lost database looks like. Every service qualifies its tables with its own
schema."""

import asyncio
import json

import asyncpg

# The database, or the connection to it, is away: the same work succeeds once it is back. A connection cut
# mid-operation (the server stopped or restarted) can also surface as asyncpg's InternalClientError ("cannot
# switch to state 12; another operation (2) is in progress", MagicStack/asyncpg#1069).
CONNECTION_ERRORS = (
    OSError,
    asyncio.TimeoutError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.AdminShutdownError,
)


async def _init_connection(conn: asyncpg.Connection) -> None:
    for kind in ("json", "jsonb"):
        await conn.set_type_codec(kind, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def _release(conn: asyncpg.Connection) -> None:
    """What a connection needs before it goes back to the pool. asyncpg's default reset (unlock advisory
    locks, close cursors, UNLISTEN, RESET ALL) costs a round trip on every release, and our pooled
    connections hold no session state: a LISTEN or a session advisory lock lives on a connection held for
    the whole process. Only a transaction left open (a cancelled task) must not leak to the next user."""
    if conn.is_in_transaction():
        await conn.execute("ROLLBACK")


async def create_pool(database_url: str, *, min_size: int = 1, max_size: int = 10) -> asyncpg.Pool:
    return await asyncpg.create_pool(
        database_url, min_size=min_size, max_size=max_size, init=_init_connection, reset=_release
    )

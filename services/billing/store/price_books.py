"""Price books: every version an operator stored; the newest is in force (pricebook.in_force)."""

import asyncpg


async def current(conn: asyncpg.Connection) -> asyncpg.Record | None:
    """The newest version: (version, document, actor, created_at), None before the first."""
    return await conn.fetchrow(
        "SELECT version, document, actor, created_at FROM billing.price_books ORDER BY version DESC LIMIT 1")


async def current_document(conn: asyncpg.Connection) -> dict | None:
    return await conn.fetchval("SELECT document FROM billing.price_books ORDER BY version DESC LIMIT 1")


async def insert(conn: asyncpg.Connection, document: dict, actor: str) -> asyncpg.Record:
    return await conn.fetchrow(
        "INSERT INTO billing.price_books (document, actor) VALUES ($1, $2) RETURNING version, document, actor, created_at",
        document, actor)

"""Scratch databases for tests: created on the real server, migrated, dropped afterwards."""

import uuid

import asyncpg

from services.common.migrations import upgrade_all


async def create_scratch_database(admin_url: str, prefix: str) -> tuple[str, str]:
    """(name, url) of a new database with every service's migrations applied."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    url = admin_url.rpartition("/")[0] + f"/{name}"
    upgrade_all(url)
    return name, url


async def drop_database(admin_url: str, name: str) -> None:
    conn = await asyncpg.connect(admin_url)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()

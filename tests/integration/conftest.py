"""Fixtures for tests against the real PostgreSQL: each test module gets a scratch database with
every service's migrations applied, dropped afterwards."""

import uuid

import asyncpg
import pytest

from services.common.db import create_pool
from services.common.migrations import upgrade_all


def _with_database(url: str, name: str) -> str:
    base, _, _ = url.rpartition("/")
    return f"{base}/{name}"


@pytest.fixture(scope="module")
async def scratch_database_url(infra):
    admin_url = infra.database_url
    name = f"sy_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = _with_database(admin_url, name)
    upgrade_all(url)
    yield url
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


@pytest.fixture(scope="module")
async def pool(scratch_database_url):
    pool = await create_pool(scratch_database_url)
    yield pool
    await pool.close()

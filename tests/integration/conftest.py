"""Fixtures for tests against the real PostgreSQL: each test module gets a scratch database with
every service's migrations applied, dropped afterwards."""

import pytest

from services.common.db import create_pool
from tests.scratch_db import create_scratch_database, drop_database


@pytest.fixture(scope="module")
async def scratch_database_url(infra):
    name, url = await create_scratch_database(infra.database_url, "sy_test")
    yield url
    await drop_database(infra.database_url, name)


@pytest.fixture(scope="module")
async def pool(scratch_database_url):
    pool = await create_pool(scratch_database_url)
    yield pool
    await pool.close()

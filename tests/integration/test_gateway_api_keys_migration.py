"""The migration to several API keys per tenant moves each tenant's one key into `gateway.api_keys`, so a key made
before it keeps working; the downgrade gives each tenant its oldest key back."""

import uuid

import asyncpg
from alembic import command

from services.common.migrations import alembic_config
from services.gateway import keys
from services.gateway.store import api_keys


async def test_a_key_made_before_the_migration_still_authenticates_after_it(infra):
    name = f"sy_mig_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(infra.database_url)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = infra.database_url.rpartition("/")[0] + f"/{name}"
    try:
        config = alembic_config("gateway", url)
        command.upgrade(config, "gateway_0004")
        old_key, tenant_id = keys.new_api_key(), uuid.uuid4()
        conn = await asyncpg.connect(url)
        try:
            await conn.execute("INSERT INTO gateway.tenants (id, name, api_key_hash) VALUES ($1, 'early', $2)",
                               tenant_id, keys.hash_api_key(old_key))
            command.upgrade(config, "gateway_0005")
            found = await api_keys.authenticate(conn, keys.hash_api_key(old_key))
            assert found is not None and found["tenant_id"] == tenant_id and found["tenant_status"] == "active"
            moved = await conn.fetchrow("SELECT name, prefix, revoked_at FROM gateway.api_keys")
            assert (moved["name"], moved["prefix"], moved["revoked_at"]) == ("default", None, None)

            command.downgrade(config, "gateway_0004")
            assert await conn.fetchval("SELECT api_key_hash FROM gateway.tenants WHERE id = $1",
                                       tenant_id) == keys.hash_api_key(old_key)
        finally:
            await conn.close()
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()

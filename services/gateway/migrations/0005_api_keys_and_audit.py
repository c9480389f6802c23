"""gateway: several API keys per tenant (each tenant's one key moved into them), tenant status, the audit log

Revision ID: gateway_0005
Revises: gateway_0004
"""
from alembic import op

revision = "gateway_0005"
down_revision = "gateway_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE gateway.api_keys (
        id            uuid PRIMARY KEY,
        tenant_id     uuid NOT NULL REFERENCES gateway.tenants(id),
        name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        key_hash      text NOT NULL UNIQUE,  -- authentication: one lookup on this index
        prefix        text,                  -- NULL for keys made before prefixes were kept
        created_at    timestamptz NOT NULL DEFAULT now(),
        expires_at    timestamptz,
        last_used_at  timestamptz,
        revoked_at    timestamptz
    );
    CREATE INDEX api_keys_by_tenant ON gateway.api_keys (tenant_id, created_at DESC, id DESC);

    -- Each tenant's one key keeps working: only its hash was ever stored, so its prefix is unknown.
    INSERT INTO gateway.api_keys (id, tenant_id, name, key_hash, created_at)
    SELECT gen_random_uuid(), id, 'default', api_key_hash, created_at FROM gateway.tenants;
    ALTER TABLE gateway.tenants DROP COLUMN api_key_hash;

    ALTER TABLE gateway.tenants
        ADD COLUMN status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
        ADD COLUMN status_changed_at timestamptz;
    CREATE INDEX tenants_by_creation ON gateway.tenants (created_at DESC, id DESC);

    CREATE TABLE gateway.audit_log (
        id         bigserial PRIMARY KEY,
        at         timestamptz NOT NULL DEFAULT now(),
        actor      text NOT NULL,   -- 'operator', or the id of the tenant's API key
        action     text NOT NULL,   -- the route's name, e.g. suspend_tenant, create_api_key
        method     text NOT NULL,
        target     text NOT NULL,   -- the request path
        tenant_id  uuid,
        status     integer NOT NULL,
        details    jsonb NOT NULL DEFAULT '{}'
    );
    CREATE INDEX audit_log_by_tenant ON gateway.audit_log (tenant_id, id DESC);
    CREATE INDEX audit_log_by_time ON gateway.audit_log (at);
    """)


def downgrade() -> None:
    op.execute("""
    DROP TABLE gateway.audit_log;
    DROP INDEX gateway.tenants_by_creation;
    ALTER TABLE gateway.tenants DROP COLUMN status, DROP COLUMN status_changed_at;
    ALTER TABLE gateway.tenants ADD COLUMN api_key_hash text UNIQUE;
    UPDATE gateway.tenants t SET api_key_hash = (
        SELECT k.key_hash FROM gateway.api_keys k WHERE k.tenant_id = t.id AND k.revoked_at IS NULL
        ORDER BY k.created_at LIMIT 1);
    UPDATE gateway.tenants SET api_key_hash = 'revoked:' || id WHERE api_key_hash IS NULL;
    ALTER TABLE gateway.tenants ALTER COLUMN api_key_hash SET NOT NULL;
    DROP TABLE gateway.api_keys;
    """)

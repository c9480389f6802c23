"""gateway: tenants, jobs read model, job events, idempotency keys

Revision ID: gateway_0001
Revises:
"""
from alembic import op

from services.common.migrations import outbox_inbox_ddl

revision = "gateway_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE gateway.tenants (
        id            uuid PRIMARY KEY,
        name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        api_key_hash  text NOT NULL UNIQUE,
        created_at    timestamptz NOT NULL DEFAULT now()
    );

    CREATE TABLE gateway.jobs (
        id             uuid PRIMARY KEY,
        tenant_id      uuid NOT NULL REFERENCES gateway.tenants(id),
        kind           text NOT NULL,
        name           text NOT NULL,
        spec           jsonb NOT NULL,
        status         text NOT NULL,
        status_reason  text,
        vendor         text,
        vendor_job_id  text,
        flavor         text,
        cost           bigint NOT NULL DEFAULT 0,
        last_sequence  integer NOT NULL DEFAULT 0,
        created_at     timestamptz NOT NULL DEFAULT now(),
        started_at     timestamptz,
        finished_at    timestamptz,
        updated_at     timestamptz NOT NULL DEFAULT now()
    );
    CREATE INDEX jobs_by_tenant ON gateway.jobs (tenant_id, created_at DESC, id DESC);

    CREATE TABLE gateway.job_events (
        job_id       uuid NOT NULL REFERENCES gateway.jobs(id),
        position     integer NOT NULL,
        from_status  text,
        to_status    text NOT NULL,
        raw_status   text,
        reason       text,
        vendor_time  timestamptz,
        observed_at  timestamptz NOT NULL,
        PRIMARY KEY (job_id, position)
    );

    CREATE TABLE gateway.idempotency_keys (
        tenant_id     uuid NOT NULL,
        key           text NOT NULL,
        request_hash  text NOT NULL,
        job_id        uuid NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (tenant_id, key)
    );
    """ + outbox_inbox_ddl("gateway"))


def downgrade() -> None:
    op.execute("DROP SCHEMA gateway CASCADE")

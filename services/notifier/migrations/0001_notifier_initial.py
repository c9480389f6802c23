"""notifier: webhook endpoints, deliveries, delivery attempts

Revision ID: notifier_0001
Revises:
"""
from alembic import op

from services.common.migrations import outbox_inbox_ddl

revision = "notifier_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE notifier.endpoints (
        id           uuid PRIMARY KEY,
        tenant_id    uuid NOT NULL,
        url          text NOT NULL CHECK (length(url) BETWEEN 1 AND 2048),
        event_types  text[] NOT NULL CHECK (
            cardinality(event_types) >= 1
            AND event_types <@ ARRAY['job.queued', 'job.running', 'job.succeeded', 'job.failed', 'job.stopped']
        ),
        -- kept in clear: HMAC signing needs the key itself
        secret       text NOT NULL CHECK (secret LIKE 'whsec\\_%'),
        created_at   timestamptz NOT NULL DEFAULT now(),
        deleted_at   timestamptz  -- soft delete keeps the delivery history readable
    );
    CREATE INDEX endpoints_live_by_tenant ON notifier.endpoints (tenant_id, created_at, id)
        WHERE deleted_at IS NULL;

    -- One row per (event, endpoint): id = uuid5(event id, endpoint id), also the webhook-id header.
    CREATE TABLE notifier.deliveries (
        id                uuid PRIMARY KEY,
        endpoint_id       uuid NOT NULL REFERENCES notifier.endpoints(id),
        tenant_id         uuid NOT NULL,
        event_id          uuid NOT NULL,
        event_type        text NOT NULL,
        body              text NOT NULL,  -- the exact JSON sent on every attempt
        status            text NOT NULL DEFAULT 'pending'
                          CHECK (status IN ('pending', 'delivered', 'failed', 'cancelled')),
        attempts          integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        next_attempt_at   timestamptz NOT NULL DEFAULT now(),
        last_status_code  integer,
        last_error        text,
        created_at        timestamptz NOT NULL DEFAULT now(),
        delivered_at      timestamptz,
        CHECK ((status = 'delivered') = (delivered_at IS NOT NULL)),
        UNIQUE (event_id, endpoint_id)
    );
    CREATE INDEX deliveries_due ON notifier.deliveries (next_attempt_at) WHERE status = 'pending';
    CREATE INDEX deliveries_by_endpoint ON notifier.deliveries (endpoint_id, created_at DESC, id DESC);

    CREATE TABLE notifier.delivery_attempts (
        delivery_id  uuid NOT NULL REFERENCES notifier.deliveries(id),
        attempt      integer NOT NULL CHECK (attempt >= 1),
        status_code  integer,
        latency_ms   integer NOT NULL CHECK (latency_ms >= 0),
        error        text,
        at           timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (delivery_id, attempt)
    );
    """ + outbox_inbox_ddl("notifier"))


def downgrade() -> None:
    op.execute("DROP SCHEMA notifier CASCADE")

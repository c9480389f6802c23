"""notifier: more event types, secret rotation, disabling, target health, topics and subscriptions

Revision ID: notifier_0002
Revises: notifier_0001
"""
from alembic import op

revision = "notifier_0002"
down_revision = "notifier_0001"
branch_labels = None
depends_on = None

EVENT_TYPES = """ARRAY[
    'job.queued', 'job.running', 'job.succeeded', 'job.failed', 'job.stopped', 'job.placement_failed',
    'billing.funds_low', 'billing.funds_exhausted', 'billing.package_low', 'billing.package_expired',
    'webhook.attempt_exhausted', 'endpoint.disabled']"""


def upgrade() -> None:
    op.execute(f"""
    ALTER TABLE notifier.endpoints DROP CONSTRAINT endpoints_event_types_check;
    ALTER TABLE notifier.endpoints
        ADD CONSTRAINT endpoints_event_types_check
            CHECK (cardinality(event_types) >= 1 AND event_types <@ {EVENT_TYPES}),
        -- after a rotation the previous secret signs too, until it expires
        ADD COLUMN previous_secret text CHECK (previous_secret LIKE 'whsec\\_%'),
        ADD COLUMN previous_secret_expires_at timestamptz,
        ADD CONSTRAINT endpoints_previous_secret_expires
            CHECK ((previous_secret IS NULL) = (previous_secret_expires_at IS NULL)),
        ADD COLUMN disabled_at timestamptz,
        ADD COLUMN disabled_reason text,
        ADD CONSTRAINT endpoints_disabled_reason CHECK ((disabled_at IS NULL) = (disabled_reason IS NULL));

    CREATE TABLE notifier.topics (
        id           uuid PRIMARY KEY,
        tenant_id    uuid NOT NULL,
        name         text NOT NULL CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_-]{{0,254}}$'),
        urn          text NOT NULL,
        event_types  text[] NOT NULL CHECK (event_types <@ {EVENT_TYPES}),
        created_at   timestamptz NOT NULL DEFAULT now(),
        deleted_at   timestamptz
    );
    CREATE UNIQUE INDEX topics_live_name ON notifier.topics (tenant_id, name) WHERE deleted_at IS NULL;

    CREATE TABLE notifier.subscriptions (
        id              uuid PRIMARY KEY,
        topic_id        uuid NOT NULL REFERENCES notifier.topics(id),
        tenant_id       uuid NOT NULL,
        protocol        text NOT NULL CHECK (protocol IN ('http', 'https', 'email')),
        endpoint        text NOT NULL CHECK (length(endpoint) BETWEEN 3 AND 2048),
        filter_policy   jsonb,
        status          text NOT NULL DEFAULT 'unconfirmed' CHECK (status IN ('unconfirmed', 'confirmed')),
        token           text NOT NULL UNIQUE,  -- the secret part of the confirm and unsubscribe links
        signing_secret  text NOT NULL,
        created_at      timestamptz NOT NULL DEFAULT now(),
        confirmed_at    timestamptz,
        deleted_at      timestamptz,
        CHECK ((status = 'confirmed') = (confirmed_at IS NOT NULL))
    );
    CREATE UNIQUE INDEX subscriptions_live_endpoint ON notifier.subscriptions (topic_id, protocol, endpoint)
        WHERE deleted_at IS NULL;

    -- One queue for every target: a webhook endpoint or a topic subscription.
    ALTER TABLE notifier.deliveries
        ALTER COLUMN endpoint_id DROP NOT NULL,
        ADD COLUMN subscription_id uuid REFERENCES notifier.subscriptions(id),
        ADD COLUMN target_id uuid GENERATED ALWAYS AS (coalesce(endpoint_id, subscription_id)) STORED,
        ADD COLUMN channel text NOT NULL DEFAULT 'webhook' CHECK (channel IN ('webhook', 'http', 'email')),
        -- attempts counts every attempt ever (the attempt numbers); round_attempts those since the delivery was
        -- queued or replayed, which is what the retry schedule reads
        ADD COLUMN round_attempts integer NOT NULL DEFAULT 0 CHECK (round_attempts >= 0),
        ADD COLUMN leased_by uuid,  -- the claim that may record the attempt in flight
        ADD CONSTRAINT deliveries_one_target CHECK ((endpoint_id IS NULL) <> (subscription_id IS NULL)),
        ADD CONSTRAINT deliveries_channel CHECK ((channel = 'webhook') = (endpoint_id IS NOT NULL)),
        ADD CONSTRAINT deliveries_round CHECK (round_attempts <= attempts);
    DROP INDEX notifier.deliveries_by_endpoint;
    CREATE INDEX deliveries_by_target ON notifier.deliveries (target_id, created_at DESC, id DESC);

    -- Circuit breaker and failing-since per target; no row means healthy.
    CREATE TABLE notifier.target_health (
        target_id             uuid PRIMARY KEY,
        consecutive_failures  integer NOT NULL CHECK (consecutive_failures >= 0),
        trips                 integer NOT NULL CHECK (trips >= 0),
        open_until            timestamptz,
        failing_since         timestamptz,
        updated_at            timestamptz NOT NULL DEFAULT now()
    );

    -- A job's kind (training, ...), learned from its JobSubmitted, for payloads and topic filters.
    CREATE TABLE notifier.job_kinds (
        job_id  uuid PRIMARY KEY,
        kind    text NOT NULL
    );
    """)


def downgrade() -> None:
    op.execute("""
    DROP TABLE notifier.job_kinds, notifier.target_health;
    DELETE FROM notifier.delivery_attempts a USING notifier.deliveries d
        WHERE a.delivery_id = d.id AND d.subscription_id IS NOT NULL;
    DELETE FROM notifier.deliveries WHERE subscription_id IS NOT NULL;
    DROP INDEX notifier.deliveries_by_target;
    ALTER TABLE notifier.deliveries
        DROP COLUMN subscription_id, DROP COLUMN target_id, DROP COLUMN channel, DROP COLUMN round_attempts,
        DROP COLUMN leased_by, ALTER COLUMN endpoint_id SET NOT NULL;
    CREATE INDEX deliveries_by_endpoint ON notifier.deliveries (endpoint_id, created_at DESC, id DESC);
    DROP TABLE notifier.subscriptions, notifier.topics;
    ALTER TABLE notifier.endpoints
        DROP COLUMN previous_secret, DROP COLUMN previous_secret_expires_at,
        DROP COLUMN disabled_at, DROP COLUMN disabled_reason,
        DROP CONSTRAINT endpoints_event_types_check;
    """)

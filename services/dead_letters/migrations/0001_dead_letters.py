"""dead_letters: events the outbox relays could not publish and messages the consumers could not apply

Revision ID: dead_letters_0001
Revises:
"""
from alembic import op

revision = "dead_letters_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    -- One shared schema, written by every service's relay and consumers and read by the gateway's admin API,
    -- so the operator sees every parked record without the gateway reading another service's schema.
    -- `origin` is 'outbox' (an outbox row of `service` that could not be published) or 'consumer' (a
    -- message consumer group `consumer_group` could not apply); partition and offset are the consumer's.
    CREATE TABLE dead_letters.dead_letters (
        id              bigserial PRIMARY KEY,
        origin          text NOT NULL CHECK (origin IN ('outbox', 'consumer')),
        service         text NOT NULL,
        consumer_group  text,
        topic           text NOT NULL,
        kafka_partition integer,
        kafka_offset    bigint,
        key             bytea,
        headers         jsonb NOT NULL,
        payload         bytea NOT NULL,
        event_id        uuid,
        event_type      text,
        error           text NOT NULL,
        attempts        integer NOT NULL,
        parked_at       timestamptz NOT NULL DEFAULT now(),
        CHECK ((origin = 'consumer') = (consumer_group IS NOT NULL))
    );
    -- A redelivered message parked twice (a crash between parking and the offset commit) is one row.
    CREATE UNIQUE INDEX dead_letters_one_per_message
        ON dead_letters.dead_letters (consumer_group, topic, kafka_partition, kafka_offset)
        WHERE origin = 'consumer';
    """)


def downgrade() -> None:
    op.execute("DROP TABLE dead_letters.dead_letters")

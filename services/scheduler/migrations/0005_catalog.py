"""scheduler: the last known flavor catalog of every vendor, and when each (vendor, kind) was last read

Revision ID: scheduler_0005
Revises: scheduler_0004
"""
from alembic import op

revision = "scheduler_0005"
down_revision = "scheduler_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE scheduler.catalog_flavors (
        vendor           text NOT NULL,
        kind             text NOT NULL,
        flavor           text NOT NULL,
        accelerator      text NOT NULL,
        count            integer NOT NULL CHECK (count >= 0),
        cpu              integer NOT NULL CHECK (cpu >= 0),
        memory_gb        integer NOT NULL CHECK (memory_gb >= 0),
        price_per_hour   bigint NOT NULL CHECK (price_per_hour >= 0),  -- micro-units of CNY
        available        boolean NOT NULL,
        prepaid_package  text,
        changed_at       timestamptz NOT NULL,
        PRIMARY KEY (vendor, kind, flavor)
    );
    -- One row per (vendor, kind) the sync has read: a replica whose read is older than the recorded one
    -- leaves the catalog alone, so two replicas never announce a change and its undoing.
    CREATE TABLE scheduler.catalog_reads (
        vendor      text NOT NULL,
        kind        text NOT NULL,
        fetched_at  timestamptz NOT NULL,
        PRIMARY KEY (vendor, kind)
    );
    """)


def downgrade() -> None:
    op.execute("DROP TABLE scheduler.catalog_reads; DROP TABLE scheduler.catalog_flavors")

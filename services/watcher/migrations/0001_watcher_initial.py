"""watcher: tracked jobs

Revision ID: watcher_0001
Revises:
"""
from alembic import op

from services.common.migrations import outbox_inbox_ddl

revision = "watcher_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE watcher.tracked_jobs (
        job_id         uuid PRIMARY KEY,
        tenant_id      uuid NOT NULL,
        vendor         text NOT NULL,
        vendor_job_id  text NOT NULL,
        status         text NOT NULL,
        raw_status     text NOT NULL,
        reason         text,
        sequence       integer NOT NULL CHECK (sequence >= 1),
        started_at     timestamptz,
        finished_at    timestamptz,
        active         boolean NOT NULL DEFAULT true,
        updated_at     timestamptz NOT NULL DEFAULT now(),
        UNIQUE (vendor, vendor_job_id)
    );
    CREATE INDEX tracked_jobs_active ON watcher.tracked_jobs (vendor) WHERE active;
    """ + outbox_inbox_ddl("watcher"))


def downgrade() -> None:
    op.execute("DROP SCHEMA watcher CASCADE")

"""scheduler: placements

Revision ID: scheduler_0001
Revises:
"""
from alembic import op

from services.common.migrations import outbox_inbox_ddl

revision = "scheduler_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE scheduler.placements (
        job_id         uuid PRIMARY KEY,
        tenant_id      uuid NOT NULL,
        state          text NOT NULL CHECK (state IN ('submitted', 'rejected')),
        vendor         text,
        vendor_job_id  text,
        flavor         text,
        reason         text,
        cancel_requested_at timestamptz,
        created_at     timestamptz NOT NULL DEFAULT now(),
        updated_at     timestamptz NOT NULL DEFAULT now()
    );
    """ + outbox_inbox_ddl("scheduler"))


def downgrade() -> None:
    op.execute("DROP SCHEMA scheduler CASCADE")

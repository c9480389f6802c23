"""gateway: queue reason and priority on jobs, placement attempts among job events, tenant limits

Revision ID: gateway_0002
Revises: gateway_0001
"""
from alembic import op

revision = "gateway_0002"
down_revision = "gateway_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    ALTER TABLE gateway.jobs
        ADD COLUMN priority smallint NOT NULL DEFAULT 1,
        ADD COLUMN queue_reason text;
    -- Switchyard's own queue, in the dispatcher's order, for queue positions.
    CREATE INDEX jobs_in_our_queue ON gateway.jobs (priority DESC, created_at) WHERE queue_reason IS NOT NULL;

    ALTER TABLE gateway.job_events
        ADD COLUMN type text NOT NULL DEFAULT 'state' CHECK (type IN ('state', 'attempt')),
        ADD COLUMN detail jsonb,
        ALTER COLUMN to_status DROP NOT NULL;

    ALTER TABLE gateway.tenants
        ADD COLUMN max_concurrent_jobs integer CHECK (max_concurrent_jobs >= 0),
        ADD COLUMN max_concurrent_accelerators integer CHECK (max_concurrent_accelerators >= 0);
    """)


def downgrade() -> None:
    op.execute("""
    ALTER TABLE gateway.tenants DROP COLUMN max_concurrent_jobs, DROP COLUMN max_concurrent_accelerators;
    DELETE FROM gateway.job_events WHERE type = 'attempt';
    ALTER TABLE gateway.job_events DROP COLUMN type, DROP COLUMN detail, ALTER COLUMN to_status SET NOT NULL;
    DROP INDEX gateway.jobs_in_our_queue;
    ALTER TABLE gateway.jobs DROP COLUMN priority, DROP COLUMN queue_reason;
    """)

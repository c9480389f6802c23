"""scheduler: Switchyard's own queue (priorities, reasons, leases) and per-tenant limits

Revision ID: scheduler_0003
Revises: scheduler_0002
"""
from alembic import op

revision = "scheduler_0003"
down_revision = "scheduler_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    ALTER TABLE scheduler.placements DROP CONSTRAINT placements_state_check;
    ALTER TABLE scheduler.placements ADD CONSTRAINT placements_state_check
        CHECK (state IN ('queued', 'submitted', 'rejected', 'cancelled', 'finished'));
    ALTER TABLE scheduler.placements
        ADD COLUMN priority      smallint NOT NULL DEFAULT 1,
        ADD COLUMN spec          jsonb,
        ADD COLUMN requested_at  timestamptz NOT NULL DEFAULT now(),
        ADD COLUMN queue_reason  text,
        ADD COLUMN attempts      integer NOT NULL DEFAULT 0,
        ADD COLUMN sequence      integer NOT NULL DEFAULT 0,
        ADD COLUMN accelerators  integer NOT NULL DEFAULT 0,
        ADD COLUMN next_try_at   timestamptz,
        ADD COLUMN lease_until   timestamptz,
        ADD COLUMN stop_after    timestamptz;
    -- The dispatcher's order: priority first, then first come first served.
    CREATE INDEX placements_queue ON scheduler.placements (priority DESC, requested_at)
        WHERE state = 'queued';
    CREATE INDEX placements_running_by_tenant ON scheduler.placements (tenant_id) WHERE state = 'submitted';

    CREATE TABLE scheduler.tenant_limits (
        tenant_id                    uuid PRIMARY KEY,
        max_concurrent_jobs          integer CHECK (max_concurrent_jobs >= 0),
        max_concurrent_accelerators  integer CHECK (max_concurrent_accelerators >= 0),
        updated_at                   timestamptz NOT NULL DEFAULT now()
    );
    """)


def downgrade() -> None:
    op.execute("""
    DROP TABLE scheduler.tenant_limits;
    DROP INDEX scheduler.placements_queue;
    DROP INDEX scheduler.placements_running_by_tenant;
    ALTER TABLE scheduler.placements
        DROP COLUMN priority, DROP COLUMN spec, DROP COLUMN requested_at, DROP COLUMN queue_reason,
        DROP COLUMN attempts, DROP COLUMN sequence, DROP COLUMN accelerators, DROP COLUMN next_try_at,
        DROP COLUMN lease_until, DROP COLUMN stop_after;
    ALTER TABLE scheduler.placements DROP CONSTRAINT placements_state_check;
    ALTER TABLE scheduler.placements ADD CONSTRAINT placements_state_check
        CHECK (state IN ('submitted', 'rejected'));
    """)

"""watcher: per-job poll schedule and the first sighting of a job missing on its vendor

Revision ID: watcher_0003
Revises: watcher_0002
"""
from alembic import op

revision = "watcher_0003"
down_revision = "watcher_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    ALTER TABLE watcher.tracked_jobs
        ADD COLUMN next_poll_at  timestamptz NOT NULL DEFAULT now(),
        ADD COLUMN missing_since timestamptz;
    DROP INDEX watcher.tracked_jobs_active;
    CREATE INDEX tracked_jobs_due ON watcher.tracked_jobs (vendor, next_poll_at) WHERE active;
    """)


def downgrade() -> None:
    op.execute("""
    DROP INDEX watcher.tracked_jobs_due;
    CREATE INDEX tracked_jobs_active ON watcher.tracked_jobs (vendor) WHERE active;
    ALTER TABLE watcher.tracked_jobs DROP COLUMN next_poll_at, DROP COLUMN missing_since;
    """)

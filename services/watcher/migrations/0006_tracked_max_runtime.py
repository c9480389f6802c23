"""watcher: a followed job's bound on its run time, so it is looked at more often near its expected end

Revision ID: watcher_0006
Revises: watcher_0005
"""
from alembic import op

revision = "watcher_0006"
down_revision = "watcher_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE watcher.tracked_jobs ADD COLUMN max_runtime_s integer")


def downgrade() -> None:
    op.execute("ALTER TABLE watcher.tracked_jobs DROP COLUMN max_runtime_s")

"""watcher: the trace of a job's submission, continued by the changes seen on its vendor

Revision ID: watcher_0005
Revises: watcher_0004
"""
from alembic import op

revision = "watcher_0005"
down_revision = "watcher_0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE watcher.tracked_jobs ADD COLUMN traceparent text")


def downgrade() -> None:
    op.execute("ALTER TABLE watcher.tracked_jobs DROP COLUMN traceparent")

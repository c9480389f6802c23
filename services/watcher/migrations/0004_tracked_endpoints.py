"""watcher: the endpoints last announced for each followed job

Revision ID: watcher_0004
Revises: watcher_0003
"""
from alembic import op

revision = "watcher_0004"
down_revision = "watcher_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE watcher.tracked_jobs ADD COLUMN endpoints jsonb NOT NULL DEFAULT '[]'")


def downgrade() -> None:
    op.execute("ALTER TABLE watcher.tracked_jobs DROP COLUMN endpoints")

"""watcher: tracked jobs remember their kind (vendors keep each kind behind its own endpoints)

Revision ID: watcher_0002
Revises: watcher_0001
"""
from alembic import op

revision = "watcher_0002"
down_revision = "watcher_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE watcher.tracked_jobs ADD COLUMN kind text NOT NULL DEFAULT 'training'")


def downgrade() -> None:
    op.execute("ALTER TABLE watcher.tracked_jobs DROP COLUMN kind")

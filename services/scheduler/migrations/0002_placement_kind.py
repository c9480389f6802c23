"""scheduler: placements remember the job's kind (vendors stop each kind differently)

Revision ID: scheduler_0002
Revises: scheduler_0001
"""
from alembic import op

revision = "scheduler_0002"
down_revision = "scheduler_0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE scheduler.placements ADD COLUMN kind text NOT NULL DEFAULT 'training'")


def downgrade() -> None:
    op.execute("ALTER TABLE scheduler.placements DROP COLUMN kind")

"""scheduler: resubmitting a job its vendor lost (how many times, and on which vendors it was lost)

Revision ID: scheduler_0004
Revises: scheduler_0003
"""
from alembic import op

revision = "scheduler_0004"
down_revision = "scheduler_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    ALTER TABLE scheduler.placements
        ADD COLUMN resubmits   integer NOT NULL DEFAULT 0,
        ADD COLUMN lost_on     text[] NOT NULL DEFAULT '{}';
    """)


def downgrade() -> None:
    op.execute("ALTER TABLE scheduler.placements DROP COLUMN resubmits, DROP COLUMN lost_on")

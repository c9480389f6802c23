"""scheduler: the trace of the request that queued a job, continued when it is placed

Revision ID: scheduler_0007
Revises: scheduler_0006
"""
from alembic import op

revision = "scheduler_0007"
down_revision = "scheduler_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE scheduler.placements ADD COLUMN traceparent text")


def downgrade() -> None:
    op.execute("ALTER TABLE scheduler.placements DROP COLUMN traceparent")

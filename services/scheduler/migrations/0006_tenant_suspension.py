"""scheduler: a suspended tenant (its queued jobs are not placed until it is resumed)

Revision ID: scheduler_0006
Revises: scheduler_0005
"""
from alembic import op

revision = "scheduler_0006"
down_revision = "scheduler_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    ALTER TABLE scheduler.tenant_limits
        ADD COLUMN suspended boolean NOT NULL DEFAULT false,
        ADD COLUMN status_set_at timestamptz;
    """)


def downgrade() -> None:
    op.execute("ALTER TABLE scheduler.tenant_limits DROP COLUMN suspended, DROP COLUMN status_set_at")

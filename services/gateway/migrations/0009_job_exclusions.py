"""gateway: what the scheduler's latest try of a queued job left out, and why, as it announced it

Revision ID: gateway_0009
Revises: gateway_0008
"""
from alembic import op

revision = "gateway_0009"
down_revision = "gateway_0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    ALTER TABLE gateway.jobs
        ADD COLUMN excluded     jsonb NOT NULL DEFAULT '[]',
        ADD COLUMN excluded_at  timestamptz;
    """)


def downgrade() -> None:
    op.execute("ALTER TABLE gateway.jobs DROP COLUMN excluded, DROP COLUMN excluded_at")

"""gateway: a job's endpoints (notebook pages, service addresses) as the watcher last announced them

Revision ID: gateway_0006
Revises: gateway_0005
"""
from alembic import op

revision = "gateway_0006"
down_revision = "gateway_0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    ALTER TABLE gateway.jobs
        ADD COLUMN endpoints             jsonb NOT NULL DEFAULT '[]',
        ADD COLUMN endpoints_observed_at timestamptz;
    """)


def downgrade() -> None:
    op.execute("ALTER TABLE gateway.jobs DROP COLUMN endpoints, DROP COLUMN endpoints_observed_at")

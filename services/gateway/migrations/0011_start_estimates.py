"""gateway: indexes for queued jobs' start estimates (the jobs open on a vendor; each flavor's last runs)

Revision ID: gateway_0011
Revises: gateway_0010
"""
from alembic import op

revision = "gateway_0011"
down_revision = "gateway_0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE INDEX jobs_open_on_vendor ON gateway.jobs ((spec->'resources'->>'accelerator'), tenant_id)
        WHERE vendor IS NOT NULL AND queue_reason IS NULL AND status IN ('PENDING', 'QUEUED', 'RUNNING');
    CREATE INDEX jobs_ended_by_flavor ON gateway.jobs (flavor, finished_at DESC)
        WHERE finished_at IS NOT NULL AND started_at IS NOT NULL;
    """)


def downgrade() -> None:
    op.execute("DROP INDEX gateway.jobs_open_on_vendor; DROP INDEX gateway.jobs_ended_by_flavor")

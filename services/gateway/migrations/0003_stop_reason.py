"""gateway: why a job was stopped (cancelled, funds_exhausted), shown once it is STOPPED

Revision ID: gateway_0003
Revises: gateway_0002
"""
from alembic import op

revision = "gateway_0003"
down_revision = "gateway_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    ALTER TABLE gateway.jobs ADD COLUMN stop_reason text;
    ALTER TABLE gateway.job_events DROP CONSTRAINT job_events_type_check;
    ALTER TABLE gateway.job_events ADD CONSTRAINT job_events_type_check CHECK (type IN ('state', 'attempt', 'stop'));
    """)


def downgrade() -> None:
    op.execute("""
    DELETE FROM gateway.job_events WHERE type = 'stop';
    ALTER TABLE gateway.job_events DROP CONSTRAINT job_events_type_check;
    ALTER TABLE gateway.job_events ADD CONSTRAINT job_events_type_check CHECK (type IN ('state', 'attempt'));
    ALTER TABLE gateway.jobs DROP COLUMN stop_reason;
    """)

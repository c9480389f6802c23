"""gateway: job events of type 'lost' (the vendor lost the job; Switchyard may place it again)

Revision ID: gateway_0004
Revises: gateway_0003
"""
from alembic import op

revision = "gateway_0004"
down_revision = "gateway_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    ALTER TABLE gateway.job_events DROP CONSTRAINT job_events_type_check;
    ALTER TABLE gateway.job_events ADD CONSTRAINT job_events_type_check
        CHECK (type IN ('state', 'attempt', 'stop', 'lost'));
    """)


def downgrade() -> None:
    op.execute("""
    DELETE FROM gateway.job_events WHERE type = 'lost';
    ALTER TABLE gateway.job_events DROP CONSTRAINT job_events_type_check;
    ALTER TABLE gateway.job_events ADD CONSTRAINT job_events_type_check CHECK (type IN ('state', 'attempt', 'stop'));
    """)

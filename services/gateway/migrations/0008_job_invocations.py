"""gateway: calls to a job's inference service through the gateway, counted per job (for a later price)

Revision ID: gateway_0008
Revises: gateway_0007
"""
from alembic import op

revision = "gateway_0008"
down_revision = "gateway_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    ALTER TABLE gateway.jobs
        ADD COLUMN invocations      bigint NOT NULL DEFAULT 0 CHECK (invocations >= 0),
        ADD COLUMN invocation_bytes bigint NOT NULL DEFAULT 0 CHECK (invocation_bytes >= 0);
    """)


def downgrade() -> None:
    op.execute("ALTER TABLE gateway.jobs DROP COLUMN invocations, DROP COLUMN invocation_bytes")

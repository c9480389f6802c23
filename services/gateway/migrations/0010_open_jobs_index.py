"""gateway: an index of each tenant's open jobs, so the open-jobs cap counts them without reading its finished ones

Revision ID: gateway_0010
Revises: gateway_0009
"""
from alembic import op

revision = "gateway_0010"
down_revision = "gateway_0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The predicate is `store.jobs.OPEN_JOB`'s, word for word: the planner uses a partial index only for a query
    # whose condition it can prove implies the index's.
    op.execute("""
    CREATE INDEX jobs_open_by_tenant ON gateway.jobs (tenant_id)
        WHERE status NOT IN ('SUCCEEDED', 'FAILED', 'STOPPED');
    """)


def downgrade() -> None:
    op.execute("DROP INDEX gateway.jobs_open_by_tenant")

"""gateway: a function that takes a tenant's open-jobs cap lock and counts its open jobs in one round trip

Revision ID: gateway_0013
Revises: gateway_0012
"""
from alembic import op

revision = "gateway_0013"
down_revision = "gateway_0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # POST /v1/jobs holds the tenant's cap lock from its grant to the commit: a lock statement, then a count, then
    # the commit were three round trips under it, so one tenant's submissions went one at a time at the pace of
    # those trips. In a function the count follows the lock without one; a VOLATILE function's every statement
    # takes a fresh snapshot (READ COMMITTED), so the count sees each job committed before the lock was granted.
    # The predicate is the partial index jobs_open_by_tenant's (migration 0010) and store.jobs.OPEN_JOB's.
    op.execute("""
    CREATE FUNCTION gateway.open_jobs_under_cap_lock(tenant uuid, lock_class integer, lock_key text,
                                                     OUT open_jobs bigint, OUT cap_open_jobs integer)
    LANGUAGE plpgsql VOLATILE AS $$
    BEGIN
        PERFORM pg_advisory_xact_lock(lock_class, hashtext(lock_key));
        SELECT count(*) INTO open_jobs FROM gateway.jobs
            WHERE tenant_id = tenant AND status NOT IN ('SUCCEEDED', 'FAILED', 'STOPPED');
        SELECT t.cap_open_jobs INTO cap_open_jobs FROM gateway.tenants t WHERE t.id = tenant;
    END
    $$;
    """)


def downgrade() -> None:
    op.execute("DROP FUNCTION gateway.open_jobs_under_cap_lock(uuid, integer, text)")

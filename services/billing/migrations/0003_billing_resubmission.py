"""billing: jobs placed again after their vendor lost them (runs), and where each charge ran

Revision ID: billing_0003
Revises: billing_0002
"""
from alembic import op

revision = "billing_0003"
down_revision = "billing_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    -- A job its vendor lost is placed again, maybe elsewhere at another price: each placement is a run.
    -- minute_base: the first minute number of the current run (minute k of the run is minute_base + k),
    --   so charge ids of different runs never collide.
    -- vendor_job_id, submission_sequence: the JobSubmitted the current price was frozen from.
    -- left_vendor_at: when the last run's vendor lost it; set while the job waits for its next run.
    ALTER TABLE billing.metered_jobs
        ADD COLUMN minute_base integer NOT NULL DEFAULT 0 CHECK (minute_base >= 0),
        ADD COLUMN vendor_job_id text,
        ADD COLUMN submission_sequence integer NOT NULL DEFAULT 0,
        ADD COLUMN left_vendor_at timestamptz,
        ADD CONSTRAINT metered_jobs_next_minute_from_base CHECK (next_minute >= minute_base),
        ADD CONSTRAINT metered_jobs_waiting_is_submitted CHECK (left_vendor_at IS NULL OR state <> 'running');

    -- The vendor and flavor a charged minute ran on (a job's runs may differ); NULL on rows booked
    -- before this revision, whose job had a single run (metered_jobs says which).
    ALTER TABLE billing.charges ADD COLUMN vendor text, ADD COLUMN flavor text;
    """)


def downgrade() -> None:
    op.execute("""
    ALTER TABLE billing.charges DROP COLUMN vendor, DROP COLUMN flavor;
    ALTER TABLE billing.metered_jobs DROP CONSTRAINT metered_jobs_waiting_is_submitted,
        DROP CONSTRAINT metered_jobs_next_minute_from_base,
        DROP COLUMN minute_base, DROP COLUMN vendor_job_id, DROP COLUMN submission_sequence,
        DROP COLUMN left_vendor_at;
    """)

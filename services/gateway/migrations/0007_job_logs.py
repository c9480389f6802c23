"""gateway: a job's logs kept once it ended, and the captures still to make

Revision ID: gateway_0007
Revises: gateway_0006
"""
from alembic import op

revision = "gateway_0007"
down_revision = "gateway_0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    CREATE TABLE gateway.job_logs (
        job_id       uuid PRIMARY KEY REFERENCES gateway.jobs(id),
        content      text NOT NULL,
        truncated    boolean NOT NULL,
        captured_at  timestamptz NOT NULL DEFAULT now()
    );
    -- Queued by the read model in the transaction that sees the job end; the capture loop takes due rows.
    CREATE TABLE gateway.log_captures (
        job_id       uuid PRIMARY KEY REFERENCES gateway.jobs(id),
        attempts     integer NOT NULL DEFAULT 0,
        next_try_at  timestamptz NOT NULL DEFAULT now(),
        last_error   text
    );
    CREATE INDEX log_captures_due ON gateway.log_captures (next_try_at);
    """)


def downgrade() -> None:
    op.execute("DROP TABLE gateway.log_captures; DROP TABLE gateway.job_logs;")

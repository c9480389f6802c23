"""vendors: one call-rate budget per vendor account, shared by every process that calls the account

Revision ID: vendors_0001
Revises:
"""
from alembic import op

revision = "vendors_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    -- GCRA state: `tat` (theoretical arrival time) is when the account's budget is next free; see
    -- services/vendors/ratelimit.py SharedBudget.
    CREATE TABLE vendors.rate_budgets (
        account  text PRIMARY KEY,
        tat      timestamptz NOT NULL
    );
    """)


def downgrade() -> None:
    op.execute("DROP TABLE vendors.rate_budgets")

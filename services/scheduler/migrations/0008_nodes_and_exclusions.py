"""scheduler: the most nodes a flavor runs a job on, and what a queued job's last try left out (and why)

Revision ID: scheduler_0008
Revises: scheduler_0007
"""
from alembic import op

revision = "scheduler_0008"
down_revision = "scheduler_0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("""
    ALTER TABLE scheduler.catalog_flavors ADD COLUMN max_nodes integer NOT NULL DEFAULT 1 CHECK (max_nodes >= 1);
    -- The exclusions last announced for a queued job: an unchanged list is not announced again at every try.
    ALTER TABLE scheduler.placements ADD COLUMN excluded jsonb;
    """)


def downgrade() -> None:
    op.execute("""
    ALTER TABLE scheduler.catalog_flavors DROP COLUMN max_nodes;
    ALTER TABLE scheduler.placements DROP COLUMN excluded;
    """)

"""notifier: the trace of the event a delivery tells of, continued by its attempts

Revision ID: notifier_0004
Revises: notifier_0003
"""
from alembic import op

revision = "notifier_0004"
down_revision = "notifier_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE notifier.deliveries ADD COLUMN traceparent text")


def downgrade() -> None:
    op.execute("ALTER TABLE notifier.deliveries DROP COLUMN traceparent")

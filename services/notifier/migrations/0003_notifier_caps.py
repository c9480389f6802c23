"""notifier: an index for the cap on confirmation e-mails per tenant and hour

Revision ID: notifier_0003
Revises: notifier_0002
"""
from alembic import op

revision = "notifier_0003"
down_revision = "notifier_0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every e-mail subscription counts the tenant's confirmation mails of the last hour (routes/subscriptions.py).
    op.execute("""
    CREATE INDEX deliveries_confirmation_mails ON notifier.deliveries (tenant_id, created_at)
        WHERE event_type = 'subscription.confirmation' AND channel = 'email';
    """)


def downgrade() -> None:
    op.execute("DROP INDEX notifier.deliveries_confirmation_mails")

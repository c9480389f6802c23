"""gateway: a tenant's overrides of the caps (webhooks, topics, subscriptions per topic, confirmation e-mails per
hour, open jobs); null is the default (the gateway's settings)

Revision ID: gateway_0012
Revises: gateway_0011
"""
from alembic import op

revision = "gateway_0012"
down_revision = "gateway_0011"
branch_labels = None
depends_on = None

# services/gateway/tenant_caps.py names them: `cap_` and the cap's name in the operator's API.
COLUMNS = ("cap_webhooks", "cap_topics", "cap_subscriptions_per_topic", "cap_confirmation_emails_per_hour",
           "cap_open_jobs")


def upgrade() -> None:
    op.execute("ALTER TABLE gateway.tenants "
               + ", ".join(f"ADD COLUMN {column} integer CHECK ({column} > 0)" for column in COLUMNS))


def downgrade() -> None:
    op.execute("ALTER TABLE gateway.tenants " + ", ".join(f"DROP COLUMN {column}" for column in COLUMNS))

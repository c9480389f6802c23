"""Running each service's Alembic migrations, and the DDL every service shares (outbox, inbox)."""

from pathlib import Path

from alembic import command
from alembic.config import Config

from services.common.settings import get_settings

# Each service's schema, `vendors`: the state the vendor adapters share across processes (rate budgets), and
# `dead_letters`: what the relays and consumers gave up on, shared so the gateway lists it without another schema.
SERVICES_WITH_SCHEMAS = ("gateway", "scheduler", "watcher", "billing", "notifier", "vendors", "dead_letters")
_ROOT = Path(__file__).resolve().parents[2]


def sqlalchemy_url(database_url: str | None = None) -> str:
    url = database_url or get_settings().database_url
    return url.replace("postgresql://", "postgresql+psycopg://", 1).replace("postgres://", "postgresql+psycopg://", 1)


def upgrade_all(database_url: str | None = None) -> None:
    for service in SERVICES_WITH_SCHEMAS:
        command.upgrade(alembic_config(service, database_url), "head")


def alembic_config(service: str, database_url: str | None = None) -> Config:
    """The Alembic configuration of one service's migrations (for `command.upgrade`/`downgrade`)."""
    config = Config(str(_ROOT / "infra" / "alembic.ini"))
    config.set_main_option("version_locations", str(_ROOT / "services" / service / "migrations"))
    config.cmd_opts = type("Opts", (), {"x": [f"service={service}"]})()
    config.attributes["database_url"] = sqlalchemy_url(database_url)
    return config


def outbox_inbox_ddl(schema: str) -> str:
    return f"""
    CREATE TABLE {schema}.outbox (
        id            bigserial PRIMARY KEY,
        event_id      uuid NOT NULL UNIQUE,
        topic         text NOT NULL,
        key           text NOT NULL,
        headers       jsonb NOT NULL,
        payload       text NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        published_at  timestamptz
    );
    CREATE INDEX outbox_unpublished ON {schema}.outbox (id) WHERE published_at IS NULL;

    CREATE TABLE {schema}.inbox (
        consumer      text NOT NULL,
        event_id      uuid NOT NULL,
        processed_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (consumer, event_id)
    );
    """

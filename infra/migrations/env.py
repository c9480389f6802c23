"""Alembic environment: one service's schema per run (see alembic.ini)."""

from alembic import context
from sqlalchemy import create_engine, text

from services.common.migrations import sqlalchemy_url

service = context.get_x_argument(as_dictionary=True)["service"]
url = context.config.attributes.get("database_url") or sqlalchemy_url()

engine = create_engine(url)
with engine.connect() as connection:
    connection.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{service}"'))
    connection.commit()
    context.configure(connection=connection, version_table_schema=service, version_table=f"alembic_version")
    with context.begin_transaction():
        context.run_migrations()
engine.dispose()

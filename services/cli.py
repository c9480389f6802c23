"""`switchyard`: the client's command line (switchyard_client.cli) with, for the project's own install, the
`dev` group of set-up steps the stack and the tests share: `switchyard dev migrate`, `dev kafka-topics`, ..."""

import asyncio
import importlib
import json
from pathlib import Path
from typing import Annotated

import typer
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import TopicAlreadyExistsError

from contracts.topics import ALL_TOPICS
from services.common.kafka_options import client_options, new_topic
from services.common.migrations import upgrade_all
from services.common.settings import get_settings
from switchyard_client.cli.app import app

ASYNCAPI_SERVICES = ("gateway", "scheduler", "watcher", "billing", "notifier")


async def create_topics(partitions: int | None = None, prefix: str | None = None) -> list[str]:
    """Create the contract topics that are missing (with the configured prefix, unless one is given)."""
    settings = get_settings()
    names = [(settings.topic_prefix if prefix is None else prefix) + t for t in ALL_TOPICS]
    admin = AIOKafkaAdminClient(**client_options(settings))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in names if t not in existing]
        if missing:
            try:
                await admin.create_topics([new_topic(settings, t, partitions) for t in missing])
            except TopicAlreadyExistsError:
                pass  # another process created them meanwhile
        return missing
    finally:
        await admin.close()


def write_asyncapi(out_dir: Path) -> list[Path]:
    from faststream.specification import AsyncAPI

    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for service in ASYNCAPI_SERVICES:
        module = importlib.import_module(f"services.{service}.app")
        spec = AsyncAPI(module.broker, title=f"Switchyard {service}", version="0.1.0")
        path = out_dir / f"{service}.json"
        path.write_text(json.dumps(spec.to_specification().to_jsonable(), indent=2, sort_keys=True) + "\n")
        written.append(path)
    return written


dev = typer.Typer(help="Set-up steps the stack and the tests share (PostgreSQL, Kafka, docs).", no_args_is_help=True)


@dev.command("migrate", help="Apply every service's migrations (Alembic).")
def migrate() -> None:
    from sqlalchemy.exc import OperationalError

    try:
        upgrade_all()
    except OperationalError as exc:
        raise SystemExit(f"migrations: cannot reach PostgreSQL ({exc.orig}); "
                         "start it with `make infra` or set DATABASE_URL") from None
    print("migrations: up to date")


@dev.command("kafka-topics", help="Create the Kafka topics that are missing.")
def kafka_topics(partitions: Annotated[int | None, typer.Option("--partitions")] = None) -> None:
    created = asyncio.run(create_topics(partitions))
    print(f"topics: created {', '.join(created)}" if created else "topics: all present")


@dev.command("asyncapi", help="Write the AsyncAPI documents generated from the FastStream apps.")
def asyncapi(out: Annotated[Path, typer.Option("--out")] = Path("docs/asyncapi")) -> None:
    for path in write_asyncapi(out):
        print(f"asyncapi: wrote {path}")


@dev.command("listen", help="A local webhook receiver that prints and verifies what it gets.")
def listen(port: Annotated[int, typer.Option("--port")] = 9000,
           secret: Annotated[str | None, typer.Option("--secret", help="the endpoint's whsec_... secret")] = None,
           ) -> None:
    from services.webhook_listener import run

    run(port, secret)


app.add_typer(dev, name="dev")


def main() -> None:
    app()


if __name__ == "__main__":
    main()

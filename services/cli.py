"""`switchyard` command: the set-up steps the stack and the tests share."""

import argparse
import asyncio
import importlib
import json
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from contracts.topics import ALL_TOPICS
from services.common.migrations import upgrade_all
from services.common.settings import get_settings

ASYNCAPI_SERVICES = ("gateway", "scheduler", "watcher", "billing", "notifier")


async def create_topics(partitions: int | None = None, prefix: str | None = None) -> list[str]:
    """Create the contract topics that are missing (with the configured prefix, unless one is given)."""
    settings = get_settings()
    names = [(settings.topic_prefix if prefix is None else prefix) + t for t in ALL_TOPICS]
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.kafka_bootstrap_servers)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [t for t in names if t not in existing]
        if missing:
            try:
                await admin.create_topics([
                    NewTopic(t, num_partitions=partitions or settings.kafka_partitions, replication_factor=1)
                    for t in missing
                ])
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


def main() -> None:
    parser = argparse.ArgumentParser(prog="switchyard")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("migrate", help="apply every service's migrations (Alembic)")
    topics = sub.add_parser("topics", help="create the Kafka topics that are missing")
    topics.add_argument("--partitions", type=int)
    docs = sub.add_parser("asyncapi", help="write the AsyncAPI documents generated from the FastStream apps")
    docs.add_argument("--out", type=Path, default=Path("docs/asyncapi"))
    listen = sub.add_parser("listen", help="a local webhook receiver that prints and verifies what it gets")
    listen.add_argument("--port", type=int, default=9000)
    listen.add_argument("--secret", help="the endpoint's whsec_... secret, to verify signatures")
    args = parser.parse_args()

    if args.command == "migrate":
        from sqlalchemy.exc import OperationalError

        try:
            upgrade_all()
        except OperationalError as exc:
            raise SystemExit(f"migrations: cannot reach PostgreSQL ({exc.orig}); "
                             "start it with `make infra` or set DATABASE_URL") from None
        print("migrations: up to date")
    elif args.command == "topics":
        created = asyncio.run(create_topics(args.partitions))
        print(f"topics: created {', '.join(created)}" if created else "topics: all present")
    elif args.command == "listen":
        from services.webhook_listener import run

        run(args.port, args.secret)
    elif args.command == "asyncapi":
        for path in write_asyncapi(args.out):
            print(f"asyncapi: wrote {path}")


if __name__ == "__main__":
    main()

"""How a tenant hears of its jobs: `webhooks ...`, `topics ...`, `event-types`."""

import json
from typing import Annotated

import typer

from switchyard_client.cli.session import (AllPages, Cursor, Session, UsageProblem, command, fetch, page_size,
                                           table)

webhooks = typer.Typer(help="Signed webhook endpoints and their deliveries.", no_args_is_help=True)
topics = typer.Typer(help="SMN-style topics and their subscriptions.", no_args_is_help=True)
Events = Annotated[list[str], typer.Option("--events", help="an event type; repeat for more")]


def _webhooks_table(items):
    return table(["ID", "URL", "EVENTS", "STATUS"], [[w.id, w.url, ",".join(w.event_types), w.status] for w in items])


@command(webhooks, "add", help="Register an endpoint; its signing secret is shown once.")
def add(session: Session, url: str, events: Events):
    created = session.client().create_webhook(url, events)
    session.emit(created.raw)


@command(webhooks, "ls", help="Your endpoints, oldest first.")
def list_webhooks(session: Session, limit: page_size(100) = None, cursor: Cursor = None, every: AllPages = False):
    client = session.client()
    listing = fetch(client, client.webhooks, limit=limit, cursor=cursor, every=every)
    session.emit_page(listing, lambda: _webhooks_table(listing.items))


@command(webhooks, "show", help="One endpoint and its health.")
def show(session: Session, webhook_id: str):
    session.emit(session.client().get_webhook(webhook_id).raw)


@command(webhooks, "rm", help="Delete an endpoint.")
def remove(session: Session, webhook_id: str):
    session.client().delete_webhook(webhook_id)
    session.emit({"deleted": webhook_id}, lambda: f"deleted webhook {webhook_id}")


@command(webhooks, "rotate", help="A new signing secret; the old one signs too for 24 h.")
def rotate(session: Session, webhook_id: str):
    session.emit(session.client().rotate_webhook_secret(webhook_id).raw)


@command(webhooks, "enable", help="Bring back a disabled endpoint.")
def enable(session: Session, webhook_id: str):
    session.emit(session.client().enable_webhook(webhook_id).raw)


@command(webhooks, "deliveries", help="Deliveries, newest first, each with its attempts.")
def deliveries(session: Session, webhook_id: str,
               status: Annotated[str | None, typer.Option("--status", help="pending, delivered, failed, cancelled")]
               = None, limit: page_size(100) = None, cursor: Cursor = None, every: AllPages = False):
    client = session.client()
    page = fetch(client, client.deliveries, webhook_id, status=status, limit=limit, cursor=cursor, every=every)
    session.emit_page(page, lambda: table(["ID", "EVENT", "STATUS", "ATTEMPTS", "LAST CODE", "LAST ERROR", "CREATED"], [
        [d.id, d.event_type, d.status, d.attempts, d.last_status_code, d.last_error,
         d.created_at.strftime("%Y-%m-%d %H:%M:%S")] for d in page.items]))


@command(webhooks, "replay", help="Send again every delivery created in [--since, --until).")
def replay(session: Session, webhook_id: str, since: Annotated[str, typer.Option("--since", help="ISO 8601")],
           until: Annotated[str | None, typer.Option("--until", help="ISO 8601")] = None):
    session.emit(session.client().replay_webhook(webhook_id, since, until).raw)


@command(webhooks, "test", help="Send a signed webhook.test message.")
def send_test(session: Session, webhook_id: str):
    session.emit(session.client().test_webhook(webhook_id).raw)


def event_types(session: Session, limit: page_size(100) = None, cursor: Cursor = None, every: AllPages = False):
    """What webhooks and topics can carry, each with its JSON schema."""
    client = session.client()
    listing = fetch(client, client.event_types, limit=limit, cursor=cursor, every=every)
    session.emit_page(listing, lambda: table(["NAME", "SUBSCRIBABLE", "DESCRIPTION"], [
        [t.get("name"), "yes" if t.get("subscribable") else "no", t.get("description")] for t in listing.items]))


def _topics_table(items):
    return table(["ID", "NAME", "URN", "EVENTS"], [[t.id, t.name, t.urn, ",".join(t.event_types)] for t in items])


@command(topics, "create", help="A topic; the Switchyard events named by --events are published to it.")
def create(session: Session, name: str, events: Annotated[list[str] | None, typer.Option("--events")] = None):
    session.emit(session.client().create_topic(name, events or []).raw)


@command(topics, "ls", help="Your topics, oldest first.")
def list_topics(session: Session, limit: page_size(100) = None, cursor: Cursor = None, every: AllPages = False):
    client = session.client()
    listing = fetch(client, client.topics, limit=limit, cursor=cursor, every=every)
    session.emit_page(listing, lambda: _topics_table(listing.items))


@command(topics, "rm", help="Delete a topic.")
def remove_topic(session: Session, topic_id: str):
    session.client().delete_topic(topic_id)
    session.emit({"deleted": topic_id}, lambda: f"deleted topic {topic_id}")


def _pairs(items: list[str] | None, option: str) -> dict[str, str]:
    out = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageProblem(f"{option} {item!r}: write KEY=VALUE")
        out[key] = value
    return out


@command(topics, "publish", help="Your own message to the topic's confirmed subscriptions.")
def publish(session: Session, topic_id: str, message: Annotated[str, typer.Option("--message")],
            subject: Annotated[str, typer.Option("--subject")] = "",
            attr: Annotated[list[str] | None, typer.Option("--attr", help="KEY=VALUE")] = None):
    session.emit(session.client().publish(topic_id, message, subject=subject,
                                          attributes=_pairs(attr, "--attr")).raw)


@command(topics, "subscribe", help="Subscribe an http(s) URL or an e-mail address (unconfirmed until followed).")
def subscribe(session: Session, topic_id: str, endpoint: str,
              protocol: Annotated[str, typer.Option("--protocol", help="http, https or email")] = "https",
              filter_policy: Annotated[str | None, typer.Option("--filter", help="a filter policy as JSON")] = None):
    try:
        policy = json.loads(filter_policy) if filter_policy else None
    except json.JSONDecodeError as exc:
        raise UsageProblem(f"--filter: not JSON: {exc}") from None
    session.emit(session.client().subscribe(topic_id, protocol, endpoint, policy).raw)


@command(topics, "subscriptions", help="A topic's subscriptions, oldest first.")
def subscriptions(session: Session, topic_id: str, limit: page_size(100) = None, cursor: Cursor = None,
                  every: AllPages = False):
    client = session.client()
    listing = fetch(client, client.subscriptions, topic_id, limit=limit, cursor=cursor, every=every)
    session.emit_page(listing, lambda: table(["ID", "PROTOCOL", "ENDPOINT", "STATUS"], [
        [s.id, s.protocol, s.endpoint, s.status] for s in listing.items]))


@command(topics, "unsubscribe", help="Remove a subscription.")
def unsubscribe(session: Session, topic_id: str, subscription_id: str):
    session.client().unsubscribe(topic_id, subscription_id)
    session.emit({"deleted": subscription_id}, lambda: f"deleted subscription {subscription_id}")

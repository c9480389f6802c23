"""`switchyard keys ...`: the calling tenant's own API keys. A new key is printed once; only its hash is kept."""

from typing import Annotated

import typer

from switchyard_client.cli.session import (AllPages, Cursor, Format, Session, command, fetch, key_values, page_size,
                                           table)
from switchyard_client.models import ApiKey, NewApiKey

app = typer.Typer(help="Your API keys: make one, list them, revoke one.", no_args_is_help=True)
ExpiresAt = Annotated[str | None, typer.Option("--expires-at", help="ISO 8601 with a time zone, in the future "
                                                                   "(never, if not given)")]


def _when(value) -> str | None:
    return value.strftime("%Y-%m-%d %H:%M") if value else None


def keys_table(items: list[ApiKey]):
    return table(["ID", "NAME", "PREFIX", "CREATED", "LAST USED", "EXPIRES"], [
        [k.id, k.name, k.prefix, _when(k.created_at), _when(k.last_used_at), _when(k.expires_at) or "never"]
        for k in items])


def emit_new_key(session: Session, key: NewApiKey) -> None:
    session.emit(key.raw, lambda: key_values({"id": key.id, "name": key.name, "api_key": key.api_key,
                                              "expires_at": key.expires_at or "never"}))
    if session.output is Format.table:
        session.err.print("The key is shown this once; only its hash is stored.", markup=False)


@command(app, "create", help="A new key named NAME; it is shown this once.")
def create(session: Session, name: str, expires_at: ExpiresAt = None):
    emit_new_key(session, session.client().create_api_key(name, expires_at=expires_at))


@command(app, "ls", help="Your keys (expired ones too), newest first.")
def list_keys(session: Session, limit: page_size(200) = None, cursor: Cursor = None, every: AllPages = False):
    client = session.client()
    page = fetch(client, client.api_keys, limit=limit, cursor=cursor, every=every)
    session.emit_page(page, lambda: keys_table(page.items))


@command(app, "rm", help="Revoke a key at once (not your last active one: make another first).")
def remove(session: Session, key_id: str):
    session.client().delete_api_key(key_id)
    session.emit({"deleted": key_id}, lambda: f"revoked API key {key_id}")

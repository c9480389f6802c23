"""The `switchyard` program: the tenant's commands, and `admin` for the operator. The project's own install adds
the `dev` group (services/cli.py) to this same app."""

from typing import Annotated

import typer

from switchyard_client.cli import account, admin, jobs, keys, notify
from switchyard_client.cli.config import DEFAULT_PROFILE, save_profile
from switchyard_client.cli import session as session_state
from switchyard_client.cli.session import Session, command

app = typer.Typer(name="switchyard", help="Switchyard: one front door to many AI-compute clouds.",
                  no_args_is_help=True, pretty_exceptions_enable=False)


@app.callback()
def root(profile: Annotated[str | None, typer.Option("--profile", help="a profile saved by `switchyard login`")]
         = None,
         no_color: Annotated[bool, typer.Option("--no-color", help="no colour")] = False):
    session_state.root_options.clear()
    session_state.root_options.update(profile=profile, no_color=no_color)


@command(app, "login", help="Save the API's URL and your key as a profile (~/.config/switchyard/config.toml, 0600).")
def login(session: Session, url: Annotated[str, typer.Option("--url")], key: Annotated[str, typer.Option("--key")]):
    name = session.profile or DEFAULT_PROFILE
    path = save_profile(name, url, key)
    session.emit({"profile": name, "url": url, "path": str(path)}, lambda: f"saved profile {name!r} in {path}")


app.add_typer(jobs.app, name="jobs")
command(app, "quote")(jobs.quote)
command(app, "flavors")(account.flavors)
command(app, "balance")(account.balance)
command(app, "usage")(account.usage)
command(app, "statements")(account.statements)
app.add_typer(account.packages, name="packages")
app.add_typer(notify.webhooks, name="webhooks")
app.add_typer(notify.topics, name="topics")
command(app, "event-types")(notify.event_types)
app.add_typer(keys.app, name="keys")
app.add_typer(admin.app, name="admin")


def main() -> None:
    app()

"""What every command shares: the options every command takes (`-o`, `--profile`, `--no-color`), the client it
talks through, how it prints a resource, and how a failure becomes an exit code:
0 ok, 1 a job ended badly, 2 usage error, 3 API error, 4 the API cannot be reached."""

import functools
import inspect
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import Enum
from typing import Annotated, Any

import typer
import yaml
from rich.console import Console
from rich.table import Table

from switchyard_client.client import Client
from switchyard_client.models import ApiModel
from switchyard_client.cli.config import ConfigError, Target, resolve
from switchyard_client.cli.jobfile import JobFileError
from switchyard_client.errors import ApiError, ApiUnreachable

PIPED_WIDTH = 250
EXIT_JOB_FAILED, EXIT_USAGE, EXIT_API, EXIT_UNREACHABLE, EXIT_INTERRUPTED = 1, 2, 3, 4, 130


class Format(str, Enum):
    table = "table"
    json = "json"
    yaml = "yaml"


class UsageProblem(Exception):
    """A wrong argument found after parsing (exit code 2)."""


@dataclass
class Session:
    output: Format
    profile: str | None
    no_color: bool
    console: Console = field(init=False)
    err: Console = field(init=False)
    _target: Target | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        # Rich leaves colour out by itself when stdout is not a terminal, and honours NO_COLOR. Piped into a file
        # or another program, a table is not cut to 80 columns (COLUMNS still sets the width).
        width = None if sys.stdout.isatty() or "COLUMNS" in os.environ else PIPED_WIDTH
        self.console = Console(no_color=self.no_color or None, highlight=False, soft_wrap=True, width=width)
        self.err = Console(stderr=True, no_color=self.no_color or None, highlight=False, soft_wrap=True)

    @property
    def target(self) -> Target:
        if self._target is None:
            self._target = resolve(self.profile)
        return self._target

    def client(self) -> Client:
        if not self.target.api_key:
            raise ConfigError("no API key: set SWITCHYARD_API_KEY or run `switchyard login --url URL --key KEY`")
        return Client(self.target.url, self.target.api_key)

    def admin_client(self) -> Client:
        if not self.target.admin_token:
            raise ConfigError("the admin commands need the operator's token in SWITCHYARD_ADMIN_TOKEN")
        return Client(self.target.url, self.target.admin_token)

    def emit(self, raw: Any, table: Callable[[], Any] | None = None) -> None:
        """Print a resource: its JSON exactly as the API gave it, as YAML, or as `table()` builds it."""
        if self.output is Format.json:
            print(json.dumps(raw, indent=2, ensure_ascii=False))
        elif self.output is Format.yaml:
            print(yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), end="")
        elif table is not None:
            self.console.print(table())
        else:
            self.console.print(key_values(raw))

    def emit_page(self, page: ApiModel, table: Callable[[], Any]) -> None:
        """A listing (one page, or every page as one); under a table, where the next page starts."""
        self.emit(page.raw, table)
        if self.output is Format.table and page.next_cursor:
            self.err.print(f"more: --all for every page, or --cursor {page.next_cursor} for the next one",
                           markup=False)


# The paging options of every listing that pages: `--limit` (items a request), `--cursor`, `--all`.
AllPages = Annotated[bool, typer.Option("--all", help="every page, following next_cursor to the last")]
Cursor = Annotated[str | None, typer.Option("--cursor", help="the page after this next_cursor")]


def page_size(maximum: int) -> Any:
    return Annotated[int | None, typer.Option("--limit", min=1, max=maximum,
                                              help=f"items per page, 1 to {maximum} (the API's default if not given)")]


def fetch(client: Client, listing: Callable[..., ApiModel], *args: Any, every: bool, **filters: Any) -> ApiModel:
    """One page of `listing`, or with `every` each page to the last made one: the items of all of them, the
    other members of the first (usage's total is already the whole filter's), next_cursor null."""
    if not every:
        return listing(*args, **filters)
    pages = list(client.pages(listing, *args, **filters))
    raw = {**pages[0].raw, "items": [item for page in pages for item in page.raw["items"]], "next_cursor": None}
    return type(pages[0]).from_api(raw)


def key_values(raw: Any) -> Table:
    """A two-column table of a mapping, for resources that have no table of their own."""
    grid = Table(show_header=False, box=None)
    grid.add_column(style="bold")
    grid.add_column()
    for key, value in (raw or {}).items() if isinstance(raw, dict) else [("value", raw)]:
        text = json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else str(value)
        grid.add_row(str(key), "" if value is None else text)
    return grid


def table(columns: list[str], rows: list[list[Any]]) -> Table:
    out = Table(*columns, box=None, header_style="bold")
    for row in rows:
        out.add_row(*["-" if v is None else str(v) for v in row])
    return out


# The options every command has, after its own.
_COMMON = [
    inspect.Parameter("output", inspect.Parameter.KEYWORD_ONLY, default=Format.table,
                      annotation=Annotated[Format, typer.Option("-o", "--output", help="table, json (the API's own "
                                                                "JSON) or yaml")]),
    inspect.Parameter("profile", inspect.Parameter.KEYWORD_ONLY, default=None,
                      annotation=Annotated[str | None, typer.Option("--profile", help="a profile saved by "
                                                                    "`switchyard login`")]),
    inspect.Parameter("no_color", inspect.Parameter.KEYWORD_ONLY, default=False,
                      annotation=Annotated[bool, typer.Option("--no-color", help="no colour")]),
]


# `switchyard --profile P --no-color CMD`: what the root callback read, for the command that runs next (one
# command per process; the callback sets it anew on every invocation).
root_options: dict = {}


def command(group: typer.Typer, name: str, **kwargs) -> Callable:
    """Register `fn(session, ...)` as a command of `group`, with the common options and the exit codes."""

    def register(fn: Callable) -> Callable:
        signature = inspect.signature(fn, eval_str=True)
        own = list(signature.parameters.values())[1:]

        @functools.wraps(fn)
        def run(*args, output: Format, profile: str | None, no_color: bool, **rest):
            root = root_options
            session = Session(output, profile or root.get("profile"), no_color or root.get("no_color", False))
            try:
                return fn(session, *args, **rest)
            except (ConfigError, JobFileError, UsageProblem) as exc:
                session.err.print(f"error: {exc}", markup=False)
                raise typer.Exit(EXIT_USAGE) from None
            except ApiError as exc:
                session.err.print(f"error: {exc.title} ({exc.status})" + (f": {exc.detail}" if exc.detail else ""),
                                  markup=False)
                for item in exc.extra.get("errors") or []:
                    if isinstance(item, dict):
                        session.err.print(f"  {item.get('location')}: {item.get('message')}", markup=False)
                raise typer.Exit(EXIT_API) from None
            except ApiUnreachable as exc:
                session.err.print(f"error: {exc}", markup=False)
                raise typer.Exit(EXIT_UNREACHABLE) from None

        parameters = own + _COMMON
        run.__signature__ = signature.replace(parameters=parameters)
        run.__annotations__ = {p.name: p.annotation for p in parameters}
        del run.__wrapped__  # Typer must read the signature above, not fn's
        group.command(name, **kwargs)(run)
        return fn

    return register

"""A simulator's command-line options, built from its config dataclass: one option per field, so a field added to
the config is an option at once.

`--<field-name>` (underscores as dashes) takes the field's type (str, int, float, `X | None`, a Literal's values
as choices; a bool is `--name/--no-name`), its default, and its help text from the field's metadata, which
`option(default, help)` writes. A field the command line cannot carry (the clock, objects) is declared with
`fixed(default)`; any other field whose type cannot be read from text is an error when the options are built.
"""

import argparse
import dataclasses
import types
import typing
from collections.abc import Callable
from typing import Any, Literal, TypeVar

Config = TypeVar("Config")


def option(default: Any, help: str, *, negative: str | None = None) -> Any:
    """A config field that is a command-line option; `negative` adds a flag that sets a bool field to False
    (e.g. "--bare" for `envelope`)."""
    return dataclasses.field(default=default, metadata={"help": help, "negative": negative})


def fixed(default: Any) -> Any:
    """A config field set in code only (tests, benchmarks), never from the command line."""
    return dataclasses.field(default=default, metadata={"cli": False})


def command_line(config_class: type[Config]) -> tuple[Callable[[argparse.ArgumentParser], None],
                                                      Callable[[argparse.Namespace], Config]]:
    """(add_cli_arguments(parser), config_from_cli(args)) for `config_class`."""
    fields = _option_fields(config_class)
    for field, kind in fields:  # refuse an unreadable field now, not when a simulator starts
        if kind is not bool:
            _parsing(field.name, kind)

    def add_cli_arguments(parser: argparse.ArgumentParser) -> None:
        for field, kind in fields:
            _add(parser, field, kind)

    def config_from_cli(args: argparse.Namespace) -> Config:
        return config_class(**{field.name: getattr(args, field.name) for field, _ in fields})

    return add_cli_arguments, config_from_cli


def _option_fields(config_class: type) -> list[tuple[dataclasses.Field, Any]]:
    hints = typing.get_type_hints(config_class)
    return [(field, hints[field.name]) for field in dataclasses.fields(config_class) if field.metadata.get("cli", True)]


def _add(parser: argparse.ArgumentParser, field: dataclasses.Field, kind: Any) -> None:
    flag = "--" + field.name.replace("_", "-")
    default = field.default if field.default is not dataclasses.MISSING else field.default_factory()  # type: ignore[misc]
    help_text = (field.metadata.get("help") or "").replace("%", "%%")  # argparse formats help with %
    if kind is bool:
        parser.add_argument(flag, action=argparse.BooleanOptionalAction, default=default, help=help_text)
        if field.metadata.get("negative"):
            parser.add_argument(field.metadata["negative"], dest=field.name, action="store_false",
                                help=f"the same as --no-{flag[2:]}")
        return
    parser.add_argument(flag, default=default, help=help_text, **_parsing(field.name, kind))


def _parsing(name: str, kind: Any) -> dict[str, Any]:
    """argparse's `type` (and `choices`) for a field type."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType) and len(args) == 2 and type(None) in args:
        return _parsing(name, next(arg for arg in args if arg is not type(None)))
    if origin is Literal:
        return {"type": type(args[0]), "choices": args}
    if kind in (str, int, float):
        return {"type": kind}
    raise TypeError(f"config field {name!r} of type {kind!r} cannot be a command-line option; declare it fixed()")

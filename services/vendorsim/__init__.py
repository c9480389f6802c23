"""Vendor simulators: local stand-ins for the AI-compute clouds, speaking each vendor's documented API.

Run one with `python -m services.vendorsim <vendor> --port N`. Every simulator shares
the fault injection in `faults` and the job steering in `steering`.

Each vendor is the module `services.vendorsim.<vendor>`, which provides `DEFAULT_PORT`,
`FAST_ARGS` (options that shorten its phases, used by the end-to-end tests),
`add_cli_arguments(parser)` and `config_from_cli(args)` (built from its config dataclass by
`options.command_line`), `create_app(config)` and `banner(config)`.
"""

import importlib
from types import ModuleType

SIMULATORS = ("modelarts", "caip", "qizhi", "aispace")


def available_simulators() -> dict[str, ModuleType]:
    """The simulator modules present in this checkout, by vendor."""
    modules = {}
    for vendor in SIMULATORS:
        try:
            modules[vendor] = importlib.import_module(f"services.vendorsim.{vendor}")
        except ModuleNotFoundError as exc:
            if exc.name != f"services.vendorsim.{vendor}":
                raise  # a simulator that exists but fails to import is a bug, not an absence
    return modules

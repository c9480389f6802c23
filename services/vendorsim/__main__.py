"""CLI: `python -m services.vendorsim <vendor> [--host H] [--port N] [vendor options]`.

Each vendor is the module `services.vendorsim.<vendor>`, which provides `DEFAULT_PORT`,
`add_cli_arguments(parser)`, `config_from_cli(args)`, `create_app(config)` and `banner(config)`.
"""

from __future__ import annotations

import argparse
import importlib
from collections.abc import Sequence
from types import ModuleType

import uvicorn

SIMULATORS = ("modelarts", "caip", "qizhi", "aispace")


def _available() -> dict[str, ModuleType]:
    modules = {}
    for vendor in SIMULATORS:
        try:
            modules[vendor] = importlib.import_module(f"services.vendorsim.{vendor}")
        except ModuleNotFoundError as exc:
            if exc.name != f"services.vendorsim.{vendor}":
                raise  # a simulator that exists but fails to import is a bug, not an absence
    return modules


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m services.vendorsim", description="Run a vendor simulator.")
    vendors = parser.add_subparsers(dest="vendor", required=True, metavar="vendor")
    modules = _available()
    for vendor, module in modules.items():
        sub = vendors.add_parser(vendor, help=f"{vendor} simulator")
        sub.add_argument("--host", default="127.0.0.1")
        sub.add_argument("--port", type=int, default=module.DEFAULT_PORT)
        module.add_cli_arguments(sub)
    args = parser.parse_args(argv)

    module = modules[args.vendor]
    config = module.config_from_cli(args)
    print(module.banner(config), f"listening on http://{args.host}:{args.port}", flush=True)
    uvicorn.run(module.create_app(config), host=args.host, port=args.port, log_level="info")


if __name__ == "__main__":
    main()

"""CLI: `python -m services.vendorsim <vendor> [--host H] [--port N] [vendor options]`."""

from __future__ import annotations

import argparse
from collections.abc import Sequence

import uvicorn

from services.vendorsim import available_simulators


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m services.vendorsim", description="Run a vendor simulator.")
    vendors = parser.add_subparsers(dest="vendor", required=True, metavar="vendor")
    modules = available_simulators()
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

"""CLI: `python -m services.vendorsim <vendor> [--host H] [--port N] [vendor options]`; the vendor options are
the fields of the simulator's config dataclass (`--help` lists them with their defaults)."""

from __future__ import annotations

import argparse
import dataclasses
from collections.abc import Sequence

import uvicorn

from services.vendorsim import available_simulators


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m services.vendorsim", description="Run a vendor simulator.")
    vendors = parser.add_subparsers(dest="vendor", required=True, metavar="vendor")
    modules = available_simulators()
    for vendor, module in modules.items():
        sub = vendors.add_parser(vendor, help=f"{vendor} simulator",
                                 formatter_class=argparse.ArgumentDefaultsHelpFormatter)
        sub.add_argument("--host", default="127.0.0.1", help="address to listen on")
        sub.add_argument("--port", type=int, default=module.DEFAULT_PORT, help="port to listen on")
        module.add_cli_arguments(sub)  # one option per field of the simulator's config (services.vendorsim.options)
    args = parser.parse_args(argv)

    module = modules[args.vendor]
    config = module.config_from_cli(args)
    if getattr(config, "public_url", "") is None:  # what the simulator's notebook and service addresses name
        config = dataclasses.replace(config, public_url=f"http://127.0.0.1:{args.port}")
    print(module.banner(config), f"listening on http://{args.host}:{args.port}", flush=True)
    uvicorn.run(module.create_app(config), host=args.host, port=args.port, log_level="info")


if __name__ == "__main__":
    main()

"""Cambricon CAIP "Compute Server" simulator: flavors priced in credits, training volumes, batch
training jobs and their sub-jobs, as the public API reference (`shared/seeds/000_*.txt`) documents
them, plus the [EXT] Keystone-style login in front of them.

`python -m services.vendorsim caip --port P --username U --password PW --namespace NS`
"""

from services.vendorsim.caip.app import API_PREFIX, LOGIN_PATH, create_app
from services.vendorsim.caip.config import DEFAULT_NAMESPACE, CaipSimConfig, add_cli_arguments, config_from_cli
from services.vendorsim.caip.flavors import default_catalog, default_flavor_id

VENDOR = "caip"
DEFAULT_PORT = 18002  # where the adapter's default endpoint looks
FAST_ARGS = ["--pending-s", "0.5", "--aborting-s", "0.5", "--terminating-s", "0.5"]  # for the end-to-end tests


def banner(config: CaipSimConfig) -> str:
    return (
        f"CAIP simulator: username={config.username} password={config.password} namespace={config.namespace} "
        f"login=POST {LOGIN_PATH} api=/v2 and {API_PREFIX}/v2"
    )


__all__ = [
    "API_PREFIX",
    "CaipSimConfig",
    "DEFAULT_NAMESPACE",
    "DEFAULT_PORT",
    "FAST_ARGS",
    "LOGIN_PATH",
    "VENDOR",
    "add_cli_arguments",
    "banner",
    "config_from_cli",
    "create_app",
    "default_catalog",
    "default_flavor_id",
]

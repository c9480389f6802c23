"""CECSTACK AI Space (AIDP) simulator, as 《CECSTACK 5.3.0 AI Space OpenAPI 参考》 documents it.

`python -m services.vendorsim aispace --port 18004 --ak AK --sk SK`. The account starts with one project space
(id 36) and three compute packages bound to it (1 and 2 x H800, and a CPU package); see `config.py`.
Modules: `config` (settings, specs, starting packages), `wire` (envelopes, errors), `auth` (AK/SK, region),
`times` (UTC+8 formats), `paging` (both list styles), `capacity` (who holds a package when), `resources`
(packages, storage, pools, projects), `notebooks`, `serving`, `tasks`, `aihub` (the models tasks start from),
`evaluations`, `images`, `datasets`, `app` (the paths).
"""

from services.vendorsim.aispace.app import create_app
from services.vendorsim.aispace.config import (
    DEFAULT_AK,
    DEFAULT_SK,
    AISpaceSimConfig,
    add_cli_arguments,
    config_from_cli,
)

DEFAULT_PORT = 18004  # where the adapter's default endpoint looks
FAST_ARGS = ["--pending-s", "0.5", "--debug-ready-s", "0.5"]  # short phases, for the end-to-end tests

__all__ = [
    "DEFAULT_AK",
    "DEFAULT_PORT",
    "DEFAULT_SK",
    "FAST_ARGS",
    "AISpaceSimConfig",
    "add_cli_arguments",
    "banner",
    "config_from_cli",
    "create_app",
]


def banner(config: AISpaceSimConfig) -> str:
    return (
        f"AI Space simulator: ak={config.ak} sk={config.sk} auth={config.auth} region={config.region} "
        f"project_id={config.project_id}"
    )

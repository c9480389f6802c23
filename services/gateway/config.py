"""The gateway's own settings, on top of the shared ones (same SWITCHYARD_ prefix, same .env).

The gateway is the internet-facing process: it holds no vendor setting or credential. What it needs of a
vendor it asks the scheduler, which owns the vendor adapters, over the scheduler's internal API."""

from functools import lru_cache

from pydantic import Field

from services.common.settings import Settings


class GatewaySettings(Settings):
    admin_token: str = "dev-admin-token"
    max_body_bytes: int = Field(256 * 1024, ge=1024, description="the largest request body a route takes")
    body_limits: dict[str, int] = Field(
        default_factory=dict, examples=[{"POST /v1/jobs": 262144}],
        description='per-route limits over max_body_bytes, keyed "METHOD /declared/path"',
    )


@lru_cache
def get_gateway_settings() -> GatewaySettings:
    return GatewaySettings()

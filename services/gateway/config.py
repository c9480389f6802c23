"""The gateway's own settings, on top of the shared ones (same SWITCHYARD_ prefix, same .env).

The gateway is the internet-facing process: it holds no vendor setting or credential. What it needs of a
vendor it asks the scheduler, which owns the vendor adapters, over the scheduler's internal API."""

from functools import lru_cache

from services.common.settings import Settings


class GatewaySettings(Settings):
    admin_token: str = "dev-admin-token"


@lru_cache
def get_gateway_settings() -> GatewaySettings:
    return GatewaySettings()

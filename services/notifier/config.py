"""The notifier's own settings, on top of the shared ones (same SWITCHYARD_ prefix, same .env)."""

from functools import lru_cache
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import NoDecode

from services.common.settings import Settings
from services.notifier.retry import SVIX_SCHEDULE, parse_schedule


class NotifierSettings(Settings):
    # Webhooks (and topic subscribers): success is a 2xx within webhook_timeout_s.
    webhook_allow_private: bool = Field(False, description="allow endpoints on private and loopback addresses")
    webhook_timeout_s: float = Field(15.0, gt=0)
    webhook_retry_schedule: Annotated[tuple[float, ...], NoDecode] = Field(
        SVIX_SCHEDULE, description="delays before each retry, e.g. 5s,5m,30m,2h,5h,10h,10h")
    webhook_retry_jitter: float = Field(0.2, ge=0, lt=1, description="each delay is scaled by 1 ± this")
    webhook_disable_after_s: float = Field(5 * 86400, gt=0, description="failing this long disables an endpoint")
    webhook_secret_grace_s: float = Field(86400, ge=0, description="a rotated-out secret still signs this long")
    # Per endpoint (or subscription) and per notifier process: a slow target holds at most this many slots.
    notifier_target_concurrency: int = Field(8, ge=1)
    notifier_concurrency: int = Field(512, ge=1, description="attempts in flight per notifier process")
    breaker_failures: int = Field(5, ge=1, description="consecutive failures that open an endpoint's breaker")
    breaker_open_s: float = Field(30.0, gt=0, description="first open period; doubles while probes fail")
    breaker_open_max_s: float = Field(600.0, gt=0)

    # The caps per tenant the notifier counts (webhooks, topics, subscriptions per topic, confirmation mails per
    # hour) are the gateway's settings: it passes each tenant's limit in force with the create it forwards.

    # Where subscribers are sent to confirm or unsubscribe: the gateway's public address.
    public_url: str | None = Field(None, description="defaults to http://{gateway_host}:{gateway_port}")

    # E-mail subscriptions.
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_tls: bool = Field(False, description="implicit TLS (port 465)")
    smtp_from: str = "Switchyard <notifications@switchyard.local>"
    smtp_timeout_s: float = Field(15.0, gt=0)

    @field_validator("webhook_retry_schedule", mode="before")
    @classmethod
    def _schedule(cls, value):
        return parse_schedule(value)

    @field_validator("public_url", "smtp_username", "smtp_password", mode="before")
    @classmethod
    def _blank_is_unset(cls, value):
        return value or None  # an empty line in .env means "not set"

    @property
    def public_base_url(self) -> str:
        return (self.public_url or f"http://{self.gateway_host}:{self.gateway_port}").rstrip("/")


@lru_cache
def get_notifier_settings() -> NotifierSettings:
    return NotifierSettings()

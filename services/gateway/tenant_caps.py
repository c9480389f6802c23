"""The caps the operator may set per tenant (services/common/caps.py): for each, its name in the operator's API, the
gateway setting that holds its default (also the name a `cap-reached` problem gives it) and the column of
`gateway.tenants` that holds a tenant's override (null: the default holds).

The gateway owns tenants, so it owns every cap's default and override, the notifier's too: the notifier is told
the tenant's limit in force with each create the gateway forwards (routes/webhooks.py, routes/topics.py), and the
open-jobs cap is checked here (routes/jobs.py)."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.common.caps import limit_in_force
from services.gateway.config import GatewaySettings


@dataclass(frozen=True)
class TenantCap:
    name: str  # in the operator's API: "webhooks"
    setting: str  # the default's setting (SWITCHYARD_MAX_WEBHOOKS_PER_TENANT) and the cap a problem names

    @property
    def column(self) -> str:
        return f"cap_{self.name}"

    def default(self, settings: GatewaySettings) -> int:
        return getattr(settings, self.setting)

    def limit(self, tenant: Mapping[str, Any] | None, settings: GatewaySettings) -> int:
        """The tenant's limit in force (`tenant` is its row; None: it has no override)."""
        return limit_in_force(tenant[self.column] if tenant is not None else None, self.default(settings))


WEBHOOKS = TenantCap("webhooks", "max_webhooks_per_tenant")
TOPICS = TenantCap("topics", "max_topics_per_tenant")
SUBSCRIPTIONS_PER_TOPIC = TenantCap("subscriptions_per_topic", "max_subscriptions_per_topic")
CONFIRMATION_EMAILS_PER_HOUR = TenantCap("confirmation_emails_per_hour", "max_confirmation_emails_per_hour")
OPEN_JOBS = TenantCap("open_jobs", "max_open_jobs_per_tenant")
ALL = (WEBHOOKS, TOPICS, SUBSCRIPTIONS_PER_TOPIC, CONFIRMATION_EMAILS_PER_HOUR, OPEN_JOBS)


def limits_to_pass(tenant: Mapping[str, Any] | None, settings: GatewaySettings,
                   *wanted: TenantCap) -> dict[str, int]:
    """The tenant's limits in force of the `wanted` caps, as the query parameters of a create forwarded to the
    notifier (named by setting, as its routes take them)."""
    return {cap.setting: cap.limit(tenant, settings) for cap in wanted}

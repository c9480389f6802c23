"""The gateway's own settings, on top of the shared ones (same SWITCHYARD_ prefix, same .env).

The gateway is the internet-facing process: it holds no vendor setting or credential. What it needs of a
vendor it asks the scheduler, which owns the vendor adapters, over the scheduler's internal API."""

from functools import lru_cache

from pydantic import Field

from contracts.inputs import INT32_MAX
from services.common.settings import Settings


class GatewaySettings(Settings):
    admin_token: str = "dev-admin-token"
    max_body_bytes: int = Field(256 * 1024, ge=1024, description="the largest request body a route takes")
    body_limits: dict[str, int] = Field(
        default_factory=dict, examples=[{"POST /v1/jobs": 262144}],
        description='per-route limits over max_body_bytes, keyed "METHOD /declared/path"',
    )
    invoke_max_bytes: int = Field(10 * 1024 * 1024, ge=1, description="the largest body of a call to a job's "
                                                                       "inference service (POST /v1/jobs/{id}/invoke)")
    # Abuse limits (services/gateway/rate_limit.py), per gateway process: N replicas let up to N times through.
    rate_limit_per_s: float = Field(20.0, gt=0, description="requests per second per API key, after the burst")
    rate_limit_burst: int = Field(40, ge=1, description="requests an API key may send at once")
    auth_failure_limit: int = Field(10, ge=1, description="failed authentications per client address per window")
    auth_failure_window_s: float = Field(60.0, gt=0, description="the window over which auth_failure_limit refills")
    # Caps per tenant (services/common/caps.py): each one's default; the operator may override it per tenant
    # (PUT /v1/admin/tenants/{id}/caps, services/gateway/tenant_caps.py). Past one, 409 cap-reached (429 with
    # Retry-After for the e-mails). The gateway owns them all, the notifier's too: it passes a tenant's limit in
    # force with each webhook, topic and subscription create it forwards, and the notifier counts.
    max_open_jobs_per_tenant: int = Field(1000, ge=1, le=INT32_MAX,
                                          description="jobs not yet SUCCEEDED, FAILED or STOPPED")
    max_webhooks_per_tenant: int = Field(20, ge=1, le=INT32_MAX)
    max_topics_per_tenant: int = Field(100, ge=1, le=INT32_MAX)
    max_subscriptions_per_topic: int = Field(100, ge=1, le=INT32_MAX)
    max_confirmation_emails_per_hour: int = Field(20, ge=1, le=INT32_MAX,
                                                  description="subscription confirmation mails a tenant may have "
                                                              "sent in the last hour")
    # Job logs (routes/job_logs.py): what is kept of an ended job's output, and how often a follow asks for more.
    log_retain_bytes: int = Field(1024 * 1024, ge=1024, description="the end of an ended job's output kept, bytes")
    log_poll_s: float = Field(2.0, gt=0, description="how often a followed job's vendor log is read")
    # The web console (services/gateway/console/): its session cookie is signed with this secret.
    console_session_secret: str = Field("dev-console-session-secret", min_length=16,
                                        description="signs the console's session cookie and CSRF tokens; set it "
                                                    "to a long random value anywhere but a developer's machine")
    console_session_ttl_s: int = Field(8 * 3600, ge=60, description="how long a console sign-in lasts, seconds")
    console_refresh_s: float = Field(2.0, gt=0, description="how often the console's live pages look for changes")


@lru_cache
def get_gateway_settings() -> GatewaySettings:
    return GatewaySettings()

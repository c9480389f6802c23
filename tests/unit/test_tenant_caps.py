"""The caps the operator sets per tenant (services/gateway/tenant_caps.py): one name for each across the operator's
body and answer, the client and the CLI; each default a gateway setting; the limit in force read from a tenant's
row; the limits passed to the notifier named as its routes take them."""

import inspect

from services.gateway import tenant_caps
from services.gateway.config import GatewaySettings
from services.gateway.routes.tenants_admin import CapsBody, TenantCaps
from services.notifier.routes import subscriptions, topics, webhooks
from switchyard_client.client import _Routes
from switchyard_client.models import CAP_NAMES

NAMES = [cap.name for cap in tenant_caps.ALL]
DEFAULTS = GatewaySettings(_env_file=None)


def test_every_cap_has_one_name_in_the_body_the_answer_and_the_client():
    assert list(CapsBody.model_fields) == NAMES == list(TenantCaps.model_fields) == list(CAP_NAMES)
    assert list(inspect.signature(_Routes.set_tenant_caps).parameters)[2:] == NAMES


def test_every_default_is_a_gateway_setting():
    assert {cap.name: cap.default(DEFAULTS) for cap in tenant_caps.ALL} == {
        "webhooks": 20, "topics": 100, "subscriptions_per_topic": 100, "confirmation_emails_per_hour": 20,
        "open_jobs": 1000}


def test_the_limit_in_force_is_the_rows_override_else_the_default():
    row = {cap.column: None for cap in tenant_caps.ALL} | {"cap_webhooks": 1}
    assert tenant_caps.WEBHOOKS.limit(row, DEFAULTS) == 1
    assert tenant_caps.TOPICS.limit(row, DEFAULTS) == 100
    assert tenant_caps.OPEN_JOBS.limit(None, DEFAULTS) == 1000  # no row read: the default


def test_the_limits_passed_to_the_notifier_are_the_query_parameters_its_creates_take():
    row = {cap.column: None for cap in tenant_caps.ALL} | {"cap_subscriptions_per_topic": 3}
    passed = tenant_caps.limits_to_pass(row, DEFAULTS, tenant_caps.SUBSCRIPTIONS_PER_TOPIC,
                                        tenant_caps.CONFIRMATION_EMAILS_PER_HOUR)
    assert passed == {"max_subscriptions_per_topic": 3, "max_confirmation_emails_per_hour": 20}
    taken = {name for route in (webhooks.create_webhook, topics.create_topic, subscriptions.subscribe)
             for name in inspect.signature(route).parameters if name.startswith("max_")}
    assert taken == {cap.setting for cap in tenant_caps.ALL if cap is not tenant_caps.OPEN_JOBS}

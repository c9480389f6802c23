"""The tenant routes fuzzed against their own OpenAPI on the whole stack (schemathesis): no answer is a server
error, and none contradicts the schema (an undocumented status, a body, content type or header unlike what is
documented, a request that breaks the schema accepted, a wrong `Allow` on a 405...). The run is bounded and
reproducible: a fixed seed, deterministic generation, and a few examples per operation.

Every check runs but `positive_data_acceptance` (every request the schema allows is accepted): the API has rules
JSON Schema does not state, so some schema-valid requests are rightly refused — a job spec's fields that belong
to other kinds (`model` on a notebook), a replay's `until` before its `since`, a cursor not returned by the API,
text with NUL or a lone surrogate (which PostgreSQL cannot store)."""

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from services.gateway.api import create_app

pytestmark = pytest.mark.e2e

SEED = 20261202
EXAMPLES_PER_OPERATION = 12

schema = schemathesis.openapi.from_dict(create_app().openapi(), config=schemathesis.Config(seed=SEED))
# The tenant's key is sent with every case; schemathesis does not generate (or drop) the Authorization header.
schema.config.generation.update(max_examples=EXAMPLES_PER_OPERATION, deterministic=True,
                                with_security_parameters=False)
schema.config.checks.update(excluded_check_names=["positive_data_acceptance"])
# The tenant routes: the operator's are not a tenant's to call, and the subscriber links take a token, not a key.
schema = schema.exclude(path_regex=r"^/v1/admin/|^/v1/subscriptions/|^/healthz$|^/readyz$")


@pytest.fixture
def fuzzed_tenant(tenant):
    """A tenant whose jobs are cancelled afterwards, so no fuzzed job holds a simulator's capacity."""
    yield tenant
    for job in tenant.get("/v1/jobs", params={"limit": 200}).json()["items"]:
        if job["status"] not in ("SUCCEEDED", "FAILED", "STOPPED"):
            tenant.post(f"/v1/jobs/{job['id']}/cancel")


@schema.parametrize()
# One tenant per operation, shared by its examples: what one example creates, the next may read or delete.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_tenant_routes_answer_as_their_openapi_says(case, stack, fuzzed_tenant):
    case.call_and_validate(base_url=stack.gateway, headers={"Authorization": fuzzed_tenant.headers["Authorization"]},
                           timeout=10)

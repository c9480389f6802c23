"""What the notifier's routes share: the pool and settings of the running service, the problems they
answer with, a tenant's topic (which the topic and the subscription routes look up alike), and the limit of a cap
that a create is given."""

import uuid
from typing import Annotated

import asyncpg
from fastapi import Query, Request

from contracts.inputs import INT32_MAX

from services.common.problems import Problem
from services.notifier.config import NotifierSettings
from services.notifier.store import topics

TENANT_TOPICS = "/internal/tenants/{tenant_id}/topics"  # where the gateway forwards /v1/topics

# The tenant's limit in force of a cap (services/common/caps.py), a query parameter of each create the gateway
# forwards: the gateway owns tenants, so it owns every cap's default and the operator's override per tenant, and
# the notifier counts under the cap's lock against the number it is given. Read on each request, a change of the
# operator's holds from the next create on, on every replica.
CapLimit = Annotated[int, Query(ge=1, le=INT32_MAX, description="the tenant's limit in force, from the gateway")]


def pool(request: Request) -> asyncpg.Pool:
    return request.app.state.runtime.pool


def settings(request: Request) -> NotifierSettings:
    return request.app.state.runtime.settings


def not_found(detail: str) -> Problem:
    return Problem(404, "Not found", detail, type_="not-found")


def conflict(detail: str) -> Problem:
    return Problem(409, "Conflict", detail, type_="conflict")


def invalid(location: str, message: str, *, detail: str | None = None, error_type: str = "value_error") -> Problem:
    """A 422 naming one invalid field, in the shape request validation errors have."""
    return Problem(422, "Invalid request", detail or message, type_="invalid-request",
                   errors=[{"location": location, "message": message, "type": error_type}])


async def topic(request: Request, tenant_id: uuid.UUID, topic_id: uuid.UUID) -> asyncpg.Record:
    """The tenant's live topic, or a 404."""
    row = await topics.get(pool(request), tenant_id, topic_id)
    if row is None:
        raise topic_not_found(topic_id)
    return row


def topic_not_found(topic_id: uuid.UUID) -> Problem:
    return not_found(f"no topic {topic_id} for this tenant")

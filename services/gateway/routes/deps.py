"""What the gateway's routes share: the caller's tenant, the pool, the internal HTTP client and the scheduler's
API, job specs read from a request body, a new API key, a tenant's caps to pass to the notifier."""

import uuid
from datetime import datetime
from typing import Annotated, Any

import asyncpg

from fastapi import Body, Depends, Request
from pydantic import ValidationError, WithJsonSchema

from contracts.jobs import JobSpec
from services.common.problems import Problem
from services.gateway.config import GatewaySettings
from services.gateway import keys, tenant_caps
from services.gateway.auth import require_tenant
from services.gateway.proxy import Upstream, ask
from services.gateway.store import api_keys, tenants

Tenant = Annotated[uuid.UUID, Depends(require_tenant)]


def not_found(what: str) -> Problem:
    return Problem(404, "Not found", f"No {what} with that id.", type_="not-found")


def pool(request: Request):
    return request.app.state.runtime.pool


def internal(request: Request) -> Upstream:
    """The internal HTTP client for this request; what it relays is answered under the request's public path."""
    return Upstream(request.app.state.internal_client, request.url.path)


def settings(request: Request) -> GatewaySettings:
    return request.app.state.runtime.settings


async def ask_scheduler(request: Request, method: str, path: str, **kwargs) -> Any:
    """The scheduler's internal API, which answers what the gateway shows of vendors (flavors, quotes, vendors)."""
    return await ask(internal(request), method, f"{settings(request).scheduler_url}{path}", **kwargs)


TRAINING_EXAMPLE = {
    "kind": "training", "name": "resnet50", "image": "swr.cn-north-4.myhuaweicloud.com/demo/pytorch:2.1",
    "command": "python train.py", "resources": {"accelerator": "ascend-910b", "count": 1},
    "env": {"EPOCHS": "3"}, "max_runtime_s": 3600}
DISTRIBUTED_EXAMPLE = {
    "kind": "training", "name": "llama-pretrain", "image": "swr.cn-north-4.myhuaweicloud.com/demo/pytorch:2.1",
    "command": "torchrun train.py", "resources": {"accelerator": "ascend-910b", "count": 8, "nodes": 2},
    "inputs": [{"name": "data", "uri": "obs://my-bucket/corpus/", "mount": "/data/corpus"}],
    "outputs": [{"name": "checkpoints", "uri": "obs://my-bucket/runs/llama/", "mount": "/data/out"}],
    "max_runtime_s": 86400}
NOTEBOOK_EXAMPLE = {
    "kind": "notebook", "name": "explore", "image": "swr.cn-north-4.myhuaweicloud.com/demo/jupyter:latest",
    "resources": {"accelerator": "nvidia-v100", "count": 1}, "storage_gb": 50}
INFERENCE_EXAMPLE = {
    "kind": "inference", "name": "chat", "image": "swr.cn-north-4.myhuaweicloud.com/demo/serve:1.0",
    "resources": {"accelerator": "ascend-910b", "count": 1}, "model": "qwen2-7b", "replicas": 2}

# A job spec body: read as a JSON object and validated by `job_spec`, so that an invalid spec answers the
# `invalid-job` problem with field locations relative to the spec; documented as the JobSpec schema (added to
# the OpenAPI's components by services/gateway/openapi.py).
JobSpecBody = Annotated[dict[str, Any], WithJsonSchema({"$ref": "#/components/schemas/JobSpec"}), Body(
    openapi_examples={"training": {"value": TRAINING_EXAMPLE}, "distributed": {"value": DISTRIBUTED_EXAMPLE},
                      "notebook": {"value": NOTEBOOK_EXAMPLE},
                      "inference": {"value": INFERENCE_EXAMPLE}})]


def job_spec(body: dict) -> JobSpec:
    """The job spec in a request body, or a 422 problem listing every invalid field."""
    try:
        # Strict: a JSON body's values must have the schema's types (no `false` for a count, no "60" for seconds).
        return JobSpec.model_validate(body, strict=True)
    except ValidationError as exc:
        errors = [{"location": ".".join(str(p) for p in e["loc"]), "message": e["msg"], "type": e["type"]}
                  for e in exc.errors()]
        raise Problem(422, "Invalid job", "The job spec is invalid.", type_="invalid-job", errors=errors) from None


async def issue_api_key(conn, tenant_id: uuid.UUID, name: str,
                        expires_at: datetime | None) -> tuple[asyncpg.Record, str]:
    """A new key for the tenant, in the caller's transaction: its row, and the key itself, for the answer only."""
    api_key = keys.new_api_key()
    row = await api_keys.insert_key(conn, tenant_id, name, keys.hash_api_key(api_key), keys.key_prefix(api_key),
                                    expires_at)
    return row, api_key


async def caps_to_pass(request: Request, tenant_id: uuid.UUID, *wanted: tenant_caps.TenantCap) -> dict[str, int]:
    """The tenant's limits in force of the `wanted` caps, read now (an operator's change holds from the next
    request on), as the query parameters of a create forwarded to the notifier, which counts against them."""
    return tenant_caps.limits_to_pass(await tenants.tenant(pool(request), tenant_id), settings(request), *wanted)

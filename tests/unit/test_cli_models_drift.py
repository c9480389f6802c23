"""The client's models against the OpenAPI: every route the client calls exists, and each response model has
exactly the fields (and the required ones) of the schema the API documents for that answer. Where the gateway
relays a service's answer without a schema of its own (billing, the notifier), the owning service's OpenAPI is
the reference, since the gateway forwards it as it is. The POST /v1/jobs and /v1/quotes bodies are compared
with the client's JobSpec: against the gateway's schema once it types them, against contracts.jobs until then."""

import inspect
import re

import pytest
from pydantic import BaseModel

from contracts.jobs import JobSpec as ContractJobSpec
from switchyard_client.client import Call, _Routes
from switchyard_client.jobspec import JobSpec


class Recorder(_Routes):
    def _run(self, call: Call) -> Call:
        return call


def recorded_calls() -> dict[str, Call]:
    """Every client method's call, with `{name}` placeholders where the method takes an id (the parameter
    names follow the gateway's path parameters, so the path is the OpenAPI's template)."""
    calls = {}
    recorder = Recorder()
    for name, method in inspect.getmembers(_Routes, inspect.isfunction):
        if name.startswith("_"):
            continue
        args = []
        for parameter in list(inspect.signature(method).parameters.values())[1:]:
            if parameter.kind is parameter.KEYWORD_ONLY or parameter.default is not parameter.empty:
                break
            args.append({"spec": {}, "event_types": [], "active": True, "offer": {}, "book": {}, "amount": "1.00",
                         "reason": "r"}.get(
                parameter.name, "{" + parameter.name + "}"))
        calls[name] = method(recorder, *args)
    return calls


CALLS = recorded_calls()

# Gateway route -> (service, the internal route it forwards to), for the answers the gateway leaves untyped.
FORWARDED = {
    ("GET", "/v1/balance"): ("billing", "/internal/tenants/{tenant_id}/balance"),
    ("GET", "/v1/usage"): ("billing", "/internal/tenants/{tenant_id}/usage"),
    ("GET", "/v1/package-offers"): ("billing", "/internal/package-offers"),
    ("POST", "/v1/packages"): ("billing", "/internal/tenants/{tenant_id}/packages"),
    ("GET", "/v1/packages"): ("billing", "/internal/tenants/{tenant_id}/packages"),
    ("POST", "/v1/admin/tenants/{tenant_id}/credit"): ("billing", "/internal/tenants/{tenant_id}/credit"),
    ("GET", "/v1/admin/package-offers"): ("billing", "/internal/admin/package-offers"),
    ("POST", "/v1/admin/package-offers"): ("billing", "/internal/admin/package-offers"),
    ("PATCH", "/v1/admin/package-offers/{offer_id}"): ("billing", "/internal/admin/package-offers/{offer_id}"),
    ("GET", "/v1/admin/price-book"): ("billing", "/internal/admin/price-book"),
    ("PUT", "/v1/admin/price-book"): ("billing", "/internal/admin/price-book"),
    ("POST", "/v1/admin/charges/{charge_id}/void"): ("billing", "/internal/admin/charges/{charge_id}/void"),
    ("GET", "/v1/admin/margins"): ("billing", "/internal/admin/margins"),
    ("GET", "/v1/event-types"): ("notifier", "/internal/event-types"),
}
for _path in ("", "/{webhook_id}", "/{webhook_id}/rotate-secret", "/{webhook_id}/enable", "/{webhook_id}/replay",
              "/{webhook_id}/test", "/{webhook_id}/deliveries"):
    for _method in ("GET", "POST"):
        FORWARDED[(_method, f"/v1/webhooks{_path}")] = ("notifier", f"/internal/tenants/{{tenant_id}}/webhooks{_path}")
for _path in ("", "/{topic_id}", "/{topic_id}/publish", "/{topic_id}/subscriptions"):
    for _method in ("GET", "POST"):
        FORWARDED[(_method, f"/v1/topics{_path}")] = ("notifier", f"/internal/tenants/{{tenant_id}}/topics{_path}")


@pytest.fixture(scope="module")
def documents() -> dict[str, dict]:
    from services.billing.api import create_app as billing_app
    from services.gateway.api import create_app as gateway_app
    from services.notifier.app import create_app as notifier_app

    return {"gateway": gateway_app().openapi(), "billing": billing_app().openapi(),
            "notifier": notifier_app().openapi()}


def _operation(document: dict, method: str, path: str) -> dict | None:
    return document["paths"].get(path, {}).get(method.lower())


def _success_schema(operation: dict) -> dict | None:
    for status, answer in operation["responses"].items():
        if status.startswith("2"):
            return answer.get("content", {}).get("application/json", {}).get("schema")
    return None


def _resolve(document: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _refs(schema: dict) -> list[dict]:
    """The object schemas a property holds: itself, its array's items, the non-null members of anyOf."""
    if "$ref" in schema:
        return [schema]
    if schema.get("type") == "array":
        return _refs(schema.get("items", {}))
    return [ref for member in schema.get("anyOf", []) for ref in _refs(member)]


def _model_of(annotation) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for arg in getattr(annotation, "__args__", ()) for m in _model_of(arg)]


def differences(model: type[BaseModel], document: dict, schema: dict, where: str) -> list[str]:
    """How `model` differs from the object `schema` (fields, required fields), nested models included."""
    schema = _resolve(document, schema)
    properties, required = schema.get("properties", {}), set(schema.get("required", []))
    fields = model.model_fields
    found = []
    if set(fields) != set(properties):
        found.append(f"{where}: the API has {sorted(set(properties) - set(fields))} that {model.__name__} lacks, "
                     f"{model.__name__} has {sorted(set(fields) - set(properties))} that the API lacks")
    model_required = {name for name, f in fields.items() if f.is_required()}
    if model_required != required & set(fields):
        found.append(f"{where}: required {sorted(required)} in the API, {sorted(model_required)} in {model.__name__}")
    for name, field in fields.items():
        nested_models, nested_schemas = _model_of(field.annotation), _refs(properties.get(name, {}))
        if len(nested_models) == 1 and len(nested_schemas) == 1:
            found += differences(nested_models[0], document, nested_schemas[0], f"{where}.{name}")
    return found


def reference(documents: dict, method: str, path: str) -> tuple[dict, dict | None]:
    """The document and the success schema that describe what this route answers."""
    operation = _operation(documents["gateway"], method, path)
    schema = _success_schema(operation)
    if schema and (schema.get("$ref") or schema.get("properties") or schema.get("anyOf")):
        return documents["gateway"], schema
    if (method, path) in FORWARDED:
        service, internal = FORWARDED[(method, path)]
        return documents[service], _success_schema(_operation(documents[service], method, internal))
    return documents["gateway"], None


@pytest.mark.parametrize("name", sorted(CALLS))
def test_every_client_call_is_a_gateway_route(name, documents):
    call = CALLS[name]
    assert _operation(documents["gateway"], call.method, call.path), f"{name}: {call.method} {call.path}"


@pytest.mark.parametrize("name", sorted(n for n, c in CALLS.items() if c.model is not None))
def test_each_response_model_matches_the_openapi(name, documents):
    call = CALLS[name]
    document, schema = reference(documents, call.method, call.path)
    assert schema is not None, f"{call.method} {call.path} has no documented answer to compare {call.model.__name__}"
    candidates = [s for s in schema.get("anyOf", [schema])]
    # A route answering one of several shapes (usage: a page, or grouped totals) must match one of them.
    results = [differences(call.model, document, candidate, call.model.__name__) for candidate in candidates]
    assert min(results, key=len) == []


def test_every_gateway_route_has_a_client_call(documents):
    called = {(c.method, c.path) for c in CALLS.values()}
    # Not for a tenant's or operator's program: health probes and the links subscribers follow themselves.
    left_out = {("GET", "/healthz"), ("GET", "/readyz"), ("GET", "/v1/subscriptions/confirm"),
                ("GET", "/v1/subscriptions/unsubscribe")}
    routes = {(method.upper(), path) for path, ops in documents["gateway"]["paths"].items() for method in ops}
    assert sorted(routes - called - left_out) == []


def _job_body_schema(documents: dict, path: str) -> tuple[dict, dict]:
    operation = _operation(documents["gateway"], "POST", path)
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    if schema.get("$ref") or schema.get("properties"):
        return documents["gateway"], schema
    # Still an untyped object in the OpenAPI: the contract the gateway validates it with is the reference.
    contract = ContractJobSpec.model_json_schema(ref_template="#/components/schemas/{model}")
    return {"components": {"schemas": contract.pop("$defs", {})}}, contract


@pytest.mark.parametrize("path", ["/v1/jobs", "/v1/quotes"])
def test_the_job_spec_matches_the_api(path, documents):
    document, schema = _job_body_schema(documents, path)
    assert differences(JobSpec, document, schema, "JobSpec") == []


def test_the_job_spec_has_the_contracts_bounds():
    # Field bounds are what make a file error show before sending; compare them with the contract's.
    ours, theirs = JobSpec.model_json_schema(), ContractJobSpec.model_json_schema()
    keys = ("minLength", "maxLength", "minimum", "maximum", "pattern", "enum", "maxProperties")

    def bounds(schema):
        found = {}
        for name, prop in schema.get("properties", {}).items():
            for member in [prop, *prop.get("anyOf", [])]:
                found.update({f"{name}.{k}": v for k, v in member.items() if k in keys})
        return found

    assert bounds(ours) == bounds(theirs)
    for model in ("Resources", "Placement"):
        assert bounds(ours["$defs"][model]) == bounds(theirs["$defs"][model]), model
    assert re.fullmatch(ours["$defs"]["Placement"]["properties"]["max_price_per_hour"]["anyOf"][0]["pattern"]
                        .strip("^$"), "30.00")

"""A property of the whole public API: no input answers a 5xx, and every error is an RFC 9457 problem document.

Hypothesis (derandomized, so every run sends the same requests) sends each public route bodies, query strings and
path segments built from valid values mutated with text holding NUL, lone surrogates and characters of every
Unicode plane, datetimes at the edges of the calendar with offsets, integers past int32 and int64, non-finite
numbers, forged cursors and unknown fields, through the gateway to the services behind it on the real stack.
Bounded: EXAMPLES requests per route, under a minute in all once the stack is up."""

import base64
import json
import uuid
from dataclasses import dataclass, field

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.e2e.inputs_support import assert_no_server_error, path_segment, send

pytestmark = pytest.mark.e2e

EXAMPLES = 100
PROPERTY = settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
                    suppress_health_check=list(HealthCheck))

# -- values ------------------------------------------------------------------------------------------------------

NASTY_CHARS = ["\x00", "\ud800", "\udfff", "\udbff", "\U0010FFFF", "\U000E0001", "\U0001F600", "\ufeff", "\u202e",
               "\ufffe", "\x7f", "\\", '"', "\n", "中", "\U00020000"]
NASTY = NASTY_CHARS + ["\udbff\udbff", "\ud800\udc00", "%00", "\r\n", "a\x00b", ""]
plane_char = st.integers(0, 16).flatmap(
    lambda plane: st.characters(min_codepoint=plane * 0x10000, max_codepoint=plane * 0x10000 + 0xFFFF,
                                exclude_categories=()))
any_char = st.one_of(st.sampled_from(NASTY_CHARS), plane_char, st.characters(exclude_categories=()))
text = st.one_of(st.text(any_char, max_size=12), st.sampled_from(NASTY),
                 st.builds(lambda a, b: a + b, st.sampled_from(["ok", "job", "https://example.com/"]),
                           st.sampled_from(NASTY)))
query_text = text  # in a query or a path, a surrogate goes as its raw bytes (see inputs_support)

EDGE_TIMES = ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00-14:00",
              "9999-12-31T23:59:59+14:00", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z",
              "0001-01-01T00:00:00", "2026-02-30T00:00:00Z", "2026-11-01T00:00:00+24:00", "10000-01-01T00:00:00Z",
              "-0001-01-01T00:00:00Z", "2026-11-01", "1e10", "now"]


def _stamp(at, offset_minutes: int) -> str:
    sign = "+" if offset_minutes >= 0 else "-"
    return f"{at.isoformat()}{sign}{abs(offset_minutes) // 60:02}:{abs(offset_minutes) % 60:02}"


times = st.one_of(st.sampled_from(EDGE_TIMES), st.builds(_stamp, st.datetimes(), st.integers(-14 * 60, 14 * 60)))
EDGE_INTS = [2**31 - 1, 2**31, -(2**31) - 1, 2**63, 2**64, -1, 0, 10**30]
ints = st.one_of(st.sampled_from(EDGE_INTS), st.integers(-(2**70), 2**70))
scalars = st.one_of(st.none(), st.booleans(), ints, st.floats(), text, times)
anything = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                          st.dictionaries(text, inner, max_size=3)), max_leaves=6)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


jobs_cursors = st.one_of(
    st.builds(lambda t, i: _b64(json.dumps([t, i]).encode()), st.one_of(times, anything), st.one_of(
        st.uuids().map(str), text)),
    st.binary(max_size=40).map(_b64), text)
usage_cursors = st.one_of(
    st.builds(lambda j, m, k: _b64(f"{j}:{m}:{k}".encode("utf-8", "surrogatepass")),
              st.one_of(st.uuids(), text), ints, st.one_of(st.just("charge"), text)),
    st.binary(max_size=40).map(_b64), text)


def mutated(valid) -> st.SearchStrategy:
    """`valid`, or a value of its kind gone wrong, or anything at all."""
    if isinstance(valid, bool):
        wrong = st.one_of(st.booleans(), anything)
    elif isinstance(valid, int):
        wrong = ints
    elif isinstance(valid, dict):
        wrong = st.one_of(body_like(valid), st.dictionaries(text, st.one_of(text, anything), max_size=4))
    elif isinstance(valid, list):
        wrong = st.lists(st.one_of(*(mutated(v) for v in valid)) if valid else text, max_size=4)
    elif isinstance(valid, str) and valid[:4].isdigit() and "T" in valid:
        wrong = times
    else:
        wrong = text
    return st.one_of(st.just(valid), wrong, anything) if not isinstance(valid, dict) else st.one_of(
        st.just(valid), wrong)


RAW_BODIES = [b"", b"{", b"null", b"[]", b'"x"', b"NaN", b'{"a": NaN}', b"\xff\xfe{}", b'{"name": "\xed\xa0\x80"}',
              b"[" * 5000 + b"]" * 5000, b'{"a":' * 900 + b"1" + b"}" * 900, b'{"a": 1e999999}']


def any_body(valid: dict) -> st.SearchStrategy:
    """Mostly a body like `valid`; sometimes any JSON value, or bytes that are not JSON (or not UTF-8)."""
    return st.one_of(body_like(valid), body_like(valid), body_like(valid), anything,
                     st.sampled_from(RAW_BODIES), st.binary(max_size=30))


def body_like(valid: dict) -> st.SearchStrategy:
    """A body with each field kept, changed or left out, sometimes with an unknown field."""
    fields = st.fixed_dictionaries({}, optional={k: mutated(v) for k, v in valid.items()})
    kept = st.fixed_dictionaries({k: mutated(v) for k, v in valid.items()})
    extra = st.dictionaries(text, anything, max_size=2)
    return st.one_of(kept, fields, st.builds(lambda b, e: e | b, kept, extra))


# -- routes ------------------------------------------------------------------------------------------------------

JOB = {"kind": "training", "name": "fuzz", "image": "swr.example/x:1", "command": "python t.py",
       "resources": {"accelerator": "nvidia-h200", "count": 8},  # no vendor offers it: a valid job is rejected
       "env": {"K": "v"}, "max_runtime_s": 3600, "priority": "low",
       "placement": {"vendors": ["modelarts"], "max_price_per_hour": "30.00"}}


@dataclass
class Route:
    method: str
    path: str
    body: dict | None = None
    params: dict[str, st.SearchStrategy] = field(default_factory=dict)
    segments: dict[str, st.SearchStrategy] = field(default_factory=dict)
    admin: bool = False

    def __str__(self) -> str:
        return f"{self.method} {self.path}"

    def requests(self, ids: dict[str, str]) -> st.SearchStrategy:
        segments = {k: st.one_of(st.just(v), text.map(path_segment)) if k in self.segments else st.just(v)
                    for k, v in ids.items()} | {k: s.map(path_segment) for k, s in self.segments.items()}
        return st.tuples(
            st.fixed_dictionaries(segments).map(lambda values: self.path.format(**values)),
            st.fixed_dictionaries({}, optional=self.params),
            any_body(self.body) if self.body is not None else st.none(),
        )


MONTH = st.one_of(st.just("2026-11"), st.sampled_from(["0000-00", "9999-99", "2026-1", "10000-01"]), text)
ROUTES = [
    Route("POST", "/v1/jobs", JOB),
    Route("POST", "/v1/quotes", JOB),
    Route("GET", "/v1/jobs", params={"status": st.one_of(st.just("RUNNING"), text), "limit": ints,
                                     "cursor": jobs_cursors}),
    Route("GET", "/v1/jobs/{job}", segments={"job": st.one_of(st.uuids().map(str), text)}),
    Route("GET", "/v1/usage", params={"from": times, "to": times, "cursor": usage_cursors, "limit": ints,
                                      "group_by": st.one_of(st.sampled_from(["job", "day", "vendor"]), text),
                                      "job_id": st.one_of(st.uuids().map(str), text)}),
    Route("GET", "/v1/statements/{month}", segments={"month": MONTH}),
    Route("GET", "/v1/flavors", params={"kind": st.one_of(st.just("training"), text), "accelerator": query_text,
                                        "count": ints}),
    Route("POST", "/v1/packages", {"offer_id": str(uuid.UUID(int=1))}),
    Route("POST", "/v1/webhooks", {"url": "http://127.0.0.1:9/hook", "event_types": ["job.running"]}),
    Route("POST", "/v1/webhooks/{webhook}/replay", {"since": "2026-11-01T00:00:00Z", "until": "2026-11-02T00:00:00Z"}),
    Route("GET", "/v1/webhooks/{webhook}/deliveries", params={
        "limit": ints, "cursor": st.one_of(jobs_cursors, query_text), "status": query_text}),
    Route("GET", "/v1/webhooks", params={"limit": ints, "cursor": jobs_cursors}),
    Route("GET", "/v1/topics/{topic}/subscriptions", params={"limit": ints, "cursor": jobs_cursors}),
    Route("GET", "/v1/event-types", params={"limit": ints, "cursor": st.one_of(
        jobs_cursors, st.builds(lambda name: _b64(json.dumps([name]).encode()), text))}),
    Route("GET", "/v1/packages", params={"limit": ints, "cursor": jobs_cursors}),
    Route("POST", "/v1/topics", {"name": "fuzz", "event_types": ["job.failed"]}),
    Route("POST", "/v1/topics/{topic}/publish", {"subject": "s", "message": "m", "attributes": {"vendor": "x"}}),
    Route("POST", "/v1/topics/{topic}/subscriptions", {"protocol": "email", "endpoint": "ops@example.com",
                                                       "filter_policy": {"vendor": ["modelarts"]}}),
    Route("GET", "/v1/subscriptions/confirm", params={"token": query_text}),
    Route("GET", "/v1/subscriptions/unsubscribe", params={"token": query_text}),
    Route("GET", "/v1/webhooks/{hook}", segments={"hook": st.one_of(st.uuids().map(str), text)}),
    Route("DELETE", "/v1/topics/{topic_id}/subscriptions/{sub}",
          segments={"topic_id": st.one_of(st.uuids().map(str), text), "sub": st.one_of(st.uuids().map(str), text)}),
    Route("PATCH", "/v1/admin/package-offers/{offer}", {"active": True}, admin=True,
          segments={"offer": st.one_of(st.uuids().map(str), text)}),
    Route("POST", "/v1/admin/vendors/{vendor}/catalog/refresh", admin=True,
          segments={"vendor": st.one_of(st.just("nowhere"), text)}),
    Route("POST", "/v1/admin/tenants", {"name": "fuzz"}, admin=True),
    Route("PUT", "/v1/admin/tenants/{tenant}/limits", {"max_concurrent_jobs": 10, "max_concurrent_accelerators": 8},
          admin=True),
    Route("PUT", "/v1/admin/tenants/{tenant}/caps", {"webhooks": 10, "topics": None, "open_jobs": 5}, admin=True),
    Route("POST", "/v1/admin/tenants/{tenant}/credit", {"amount": "1.00"}, admin=True),
    Route("POST", "/v1/admin/tenants/{tenant}/adjustments", {"amount": "-1.00", "reason": "r", "kind": "debit"},
          admin=True),
    Route("POST", "/v1/admin/charges/{charge}/void", {"reason": "r"}, admin=True,
          segments={"charge": st.one_of(st.uuids().map(str), text)}),
    Route("POST", "/v1/admin/package-offers", {"name": "fuzz", "accelerator": "ascend-910b", "card_hours": "1",
                                               "price": "1.00", "valid_days": 1, "priority": 5}, admin=True),
    Route("PUT", "/v1/admin/price-book", {"markup": {"default": "0.20", "vendors": {"modelarts": "0.25"}},
                                          "overrides": {"modelarts/flavor": "20.00"}}, admin=True),
    Route("GET", "/v1/admin/margins", params={"month": MONTH}, admin=True),
    Route("GET", "/v1/admin/billing-audit", params={"tenant_id": st.one_of(st.uuids().map(str), text),
                                                     "limit": ints}, admin=True),
    Route("GET", "/v1/admin/audit", params={"tenant_id": st.one_of(st.uuids().map(str), text), "action": query_text,
                                            "from": times, "to": times, "limit": ints, "cursor": query_text},
          admin=True),
    Route("POST", "/v1/api-keys", {"name": "fuzz", "expires_at": "2999-01-01T00:00:00Z"}),
    Route("GET", "/v1/api-keys", params={"limit": ints, "cursor": jobs_cursors}),
    Route("DELETE", "/v1/api-keys/{key}", segments={"key": st.one_of(st.uuids().map(str), text)}),
    Route("GET", "/v1/admin/tenants", params={"limit": ints, "cursor": jobs_cursors}, admin=True),
    Route("POST", "/v1/admin/tenants/{tenant}/api-keys", {"name": "fuzz"}, admin=True),
]


@pytest.fixture(scope="module")
def fuzzed(stack, admin):
    """A tenant client of its own, ids to put in paths, and the price book put back afterwards."""
    created = admin.post("/v1/admin/tenants", json={"name": "fuzz"}).json()
    book = admin.get("/v1/admin/price-book").json()
    with httpx.Client(base_url=stack.gateway, headers={"Authorization": f"Bearer {created['api_key']}"},
                      timeout=30) as client:
        hook = client.post("/v1/webhooks", json={"url": "http://127.0.0.1:9/hook", "event_types": ["job.running"]})
        topic = client.post("/v1/topics", json={"name": "fuzzed"})
        assert hook.status_code == 201 and topic.status_code == 201, (hook.text, topic.text)
        ids = {"tenant": created["id"], "webhook": hook.json()["id"], "topic": topic.json()["id"]}
        yield client, ids
    restored = admin.put("/v1/admin/price-book", json={"markup": book["markup"], "overrides": book["overrides"]})
    assert restored.status_code == 200, restored.text


@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_no_input_is_a_server_error_and_every_error_a_problem(fuzzed, admin, route):
    client, ids = fuzzed
    caller = admin if route.admin else client
    path_ids = {k: v for k, v in ids.items() if "{" + k + "}" in route.path}

    @PROPERTY
    @given(request=route.requests(path_ids))
    def holds(request):
        path, params, body = request
        raw = body if isinstance(body, bytes) else None
        assert_no_server_error(send(caller, route.method, path, body=None if raw is not None else body,
                                    params=params, raw_body=raw))

    holds()

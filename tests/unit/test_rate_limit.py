"""The gateway's abuse limits: token-bucket arithmetic on an injected clock, and the ASGI middleware's answers
(429 problems with Retry-After and the RateLimit header fields, the failed-authentication budget per address)."""

import httpx
import pytest
from fastapi import Depends, FastAPI
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from services.common.problems import Problem, install_problem_handlers
from services.gateway.rate_limit import RateLimits, TokenBuckets, policy_header, rate_limit_header


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_serves_its_burst_then_refuses_until_a_token_refills():
    clock = Clock()
    buckets = TokenBuckets(rate=20, burst=40, clock=clock)
    decisions = [buckets.take("k") for _ in range(41)]
    assert all(d.allowed for d in decisions[:40]) and not decisions[40].allowed
    assert [d.remaining for d in decisions[:3]] == [39, 38, 37] and decisions[39].remaining == 0
    assert decisions[40].retry_after_s == 1 and decisions[40].reset_s == 1
    clock.now += 0.05  # one token at 20 per second
    assert buckets.take("k").allowed and not buckets.take("k").allowed


def test_the_wait_and_the_reset_are_whole_seconds_rounded_up():
    clock = Clock()
    buckets = TokenBuckets(rate=0.5, burst=2, clock=clock)  # one token every 2 s
    buckets.take("k")
    assert buckets.peek("k").reset_s == 2  # one token short of full
    buckets.take("k")
    refused = buckets.take("k")
    assert not refused.allowed and refused.retry_after_s == 2 and refused.reset_s == 2
    clock.now += 1.5
    assert buckets.take("k").retry_after_s == 1
    clock.now += 0.5
    assert buckets.take("k").allowed


def test_keys_have_buckets_of_their_own():
    buckets = TokenBuckets(rate=1, burst=1, clock=Clock())
    assert buckets.take("a").allowed and not buckets.take("a").allowed
    assert buckets.take("b").allowed


def test_a_bucket_never_holds_more_than_its_burst():
    clock = Clock()
    buckets = TokenBuckets(rate=10, burst=3, clock=clock)
    buckets.take("k")
    clock.now += 3600
    assert buckets.peek("k").remaining == 3 and buckets.peek("k").reset_s == 0


def test_spending_for_what_happened_empties_a_bucket_but_never_below_empty():
    clock = Clock()
    failures = TokenBuckets(rate=10 / 60, burst=10, clock=clock)
    for _ in range(12):
        failures.spend("10.0.0.1")
    blocked = failures.peek("10.0.0.1")
    assert not blocked.allowed and blocked.retry_after_s == 6  # one failure refills in 6 s, not 12
    clock.now += 6
    assert failures.peek("10.0.0.1").allowed


def test_full_buckets_go_first_when_there_are_too_many_keys():
    clock = Clock()
    buckets = TokenBuckets(rate=1, burst=2, clock=clock, max_keys=3)
    buckets.take("old")
    clock.now += 5  # "old" is full again
    for key in ("a", "b", "c"):
        buckets.take(key)
    assert len(buckets) == 3
    buckets.take("d")  # nothing is full: the least recently used goes
    assert len(buckets) == 3 and buckets.peek("d").remaining == 1


def test_the_header_fields_follow_the_draft_s_structured_syntax():
    buckets = TokenBuckets(rate=20, burst=40, clock=Clock())
    assert policy_header(buckets) == '"tenant";q=40;w=2'
    assert rate_limit_header(buckets.take("k")) == '"tenant";r=39;t=1'


# -- the middleware ----------------------------------------------------------------------------------------------

GOOD_KEY = "sy_live_good"
ADMIN = "admin-secret"
_bearer = HTTPBearer(auto_error=False)


async def tenant(creds: HTTPAuthorizationCredentials | None = Depends(_bearer)) -> str:
    if creds is None or creds.credentials != GOOD_KEY:
        raise Problem(401, "Unauthorized", "bad key", type_="unauthorized")
    return creds.credentials


def small_app(clock: Clock, *, burst: int = 3, auth_failure_limit: int = 2) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/v1/things")
    async def things(_: str = Depends(tenant)) -> dict:
        return {"items": []}

    @app.get("/v1/open")
    async def open_route() -> dict:
        return {"ok": True}

    @app.get("/healthz")
    async def healthz() -> dict:
        return {"status": "ok"}

    app.add_middleware(RateLimits, rate_per_s=1, burst=burst, auth_failure_limit=auth_failure_limit,
                       auth_failure_window_s=60, admin_token=ADMIN, clock=clock)
    return app


def client_for(app: FastAPI, address: str = "198.51.100.7") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app, client=(address, 1234)), base_url="http://t")


def auth(key: str) -> dict:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture
def clock():
    return Clock()


async def test_past_the_burst_a_key_gets_a_429_problem_with_retry_after_and_the_headers(clock):
    async with client_for(small_app(clock)) as client:
        served = [await client.get("/v1/things", headers=auth(GOOD_KEY)) for _ in range(3)]
        refused = await client.get("/v1/things", headers=auth(GOOD_KEY))
    assert [r.status_code for r in served] == [200, 200, 200]
    assert [r.headers["RateLimit"] for r in served] == ['"tenant";r=2;t=1', '"tenant";r=1;t=2', '"tenant";r=0;t=3']
    assert served[0].headers["RateLimit-Policy"] == '"tenant";q=3;w=3'
    assert refused.status_code == 429 and refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["type"].endswith("/rate-limited") and refused.json()["retry_after_s"] == 1
    assert refused.headers["Retry-After"] == "1" and refused.headers["RateLimit"] == '"tenant";r=0;t=1'
    assert refused.headers["RateLimit-Policy"] == '"tenant";q=3;w=3'


async def test_the_admin_token_and_health_probes_are_not_limited(clock):
    async with client_for(small_app(clock, burst=1)) as client:
        admin = [await client.get("/v1/open", headers=auth(ADMIN)) for _ in range(5)]
        probes = [await client.get("/healthz") for _ in range(5)]
    assert {r.status_code for r in admin + probes} == {200}
    assert "RateLimit" not in admin[0].headers


async def test_requests_without_a_key_share_their_address_s_bucket(clock):
    app = small_app(clock, burst=2)
    async with client_for(app, "203.0.113.1") as one, client_for(app, "203.0.113.2") as two:
        assert [(await one.get("/v1/open")).status_code for _ in range(3)] == [200, 200, 429]
        assert (await two.get("/v1/open")).status_code == 200


async def test_the_consoles_calls_draw_on_their_sessions_key_not_on_the_address(clock):
    from services.gateway.auth import CONSOLE_KEY_ID

    app = small_app(clock, burst=2)

    def as_session(key_id: str):
        async def call(scope, receive, send):
            await app({**scope, CONSOLE_KEY_ID: key_id}, receive, send)
        return call

    def client(asgi) -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=httpx.ASGITransport(app=asgi, client=("203.0.113.9", 1)),
                                 base_url="http://t")

    async with client(as_session("key-1")) as one, client(as_session("key-2")) as two, client(app) as address:
        assert [(await one.get("/v1/open")).status_code for _ in range(3)] == [200, 200, 429]
        assert (await two.get("/v1/open")).status_code == 200
        assert (await address.get("/v1/open")).status_code == 200


async def test_after_too_many_failures_an_address_gets_429_without_its_key_being_checked(clock):
    app = small_app(clock, burst=100, auth_failure_limit=2)
    async with client_for(app) as client, client_for(app, "192.0.2.9") as elsewhere:
        assert (await client.get("/v1/things", headers=auth(GOOD_KEY))).status_code == 200  # seen authenticated
        failed = [await client.get("/v1/things", headers=auth(f"guess-{i}")) for i in range(2)]
        blocked = await client.get("/v1/things", headers=auth("guess-2"))
        no_key = await client.get("/v1/things")
        colleague = await client.get("/v1/things", headers=auth(GOOD_KEY))
        other_address = await elsewhere.get("/v1/things", headers=auth("guess-3"))
        clock.now += 30  # one failure refilled
        after = await client.get("/v1/things", headers=auth("guess-4"))
    assert [r.status_code for r in failed] == [401, 401]
    assert blocked.status_code == 429 and blocked.json()["type"].endswith("/too-many-auth-failures")
    assert blocked.headers["Retry-After"] == "30" and no_key.status_code == 429
    assert colleague.status_code == 200 and other_address.status_code == 401
    assert after.status_code == 401


async def test_a_good_answer_from_a_route_without_a_credential_does_not_vouch_for_a_key(clock):
    app = small_app(clock, burst=100, auth_failure_limit=1)
    async with client_for(app) as client:
        assert (await client.get("/v1/open", headers=auth("guess"))).status_code == 200
        assert (await client.get("/v1/things", headers=auth("guess"))).status_code == 401
        assert (await client.get("/v1/things", headers=auth("guess"))).status_code == 429


def test_every_route_of_the_gateway_that_takes_a_key_is_seen_to_take_one():
    # The failed-authentication limit lets a key through a blocked address once it worked on such a route: if the
    # API's auth stopped declaring a security scheme, good keys behind a blocked address would be refused too.
    from fastapi.routing import APIRoute

    from services.gateway.api import create_app
    from services.gateway.config import GatewaySettings
    from services.gateway.rate_limit import _authenticates

    def flattened(routes):  # FastAPI keeps an included router as one entry
        for route in routes:
            yield from flattened(route.original_router.routes) if hasattr(route, "original_router") else [route]

    routes = [r for r in flattened(create_app(GatewaySettings()).routes) if isinstance(r, APIRoute)]
    # The console's pages take a session cookie, not a key: the API routes they call in process are the ones counted.
    open_routes = {r.path for r in routes if not _authenticates(r) and r.path.split("/")[1] != "console"}
    assert open_routes == {"/healthz", "/readyz", "/v1/subscriptions/confirm", "/v1/subscriptions/unsubscribe"}
    assert len(routes) > 30

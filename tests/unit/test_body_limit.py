"""The gateway's body-size limit: per route, 413 problem+json past it, whether the size is declared or not."""

import httpx
import pytest
from fastapi import FastAPI, Request

from services.common.problems import install_problem_handlers
from services.gateway.body_limit import BodySizeLimit, limit_for


def test_a_route_s_own_limit_overrides_the_default():
    limits = {"POST /v1/jobs": 10}
    assert limit_for("POST", "/v1/jobs", 100, limits) == 10
    assert limit_for("POST", "/v1/quotes", 100, limits) == 100
    assert limit_for("PUT", "/v1/jobs", 100, limits) == 100
    assert limit_for("POST", None, 100, limits) == 100


def small_app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.post("/v1/things/{thing_id}")
    async def take(thing_id: str, request: Request) -> dict:
        return {"size": len(await request.body())}

    @app.post("/v1/big")
    async def big(request: Request) -> dict:
        return {"size": len(await request.body())}

    app.add_middleware(BodySizeLimit, default=100, limits={"POST /v1/big": 1000})
    return app


@pytest.fixture
async def client():
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=small_app()), base_url="http://t") as client:
        yield client


async def test_a_body_within_the_limit_reaches_the_route(client):
    answer = await client.post("/v1/things/a", content=b"x" * 100)
    assert answer.status_code == 200 and answer.json() == {"size": 100}


async def test_a_declared_body_past_the_limit_is_a_413_problem(client):
    answer = await client.post("/v1/things/a", content=b"x" * 101)
    assert answer.status_code == 413
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["type"].endswith("body-too-large") and answer.json()["limit_bytes"] == 100


async def test_a_chunked_body_past_the_limit_is_refused_too(client):
    async def chunks():
        for _ in range(5):
            yield b"x" * 50

    answer = await client.post("/v1/things/a", content=chunks())
    assert answer.status_code == 413


async def test_a_route_with_its_own_limit_takes_more(client):
    assert (await client.post("/v1/big", content=b"x" * 1000)).status_code == 200
    assert (await client.post("/v1/big", content=b"x" * 1001)).status_code == 413


async def test_the_gateway_takes_an_invocation_body_up_to_its_own_limit():
    from services.gateway.api import create_app
    from services.gateway.config import GatewaySettings

    app = create_app(GatewaySettings(max_body_bytes=2048, invoke_max_bytes=4096))
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as gateway:
        job = "/v1/jobs/00000000-0000-0000-0000-000000000001"
        too_large = await gateway.post(f"{job}/invoke", content=b"x" * 4097)
        assert too_large.status_code == 413 and too_large.json()["limit_bytes"] == 4096
        within = await gateway.post(f"{job}/invoke", content=b"x" * 3000)  # over the default, within its own
        assert within.status_code == 401  # read past the limit check, refused for having no key
        assert (await gateway.post(f"{job}/cancel", content=b"x" * 3000)).status_code == 413

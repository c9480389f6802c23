"""The metric families' own rules: vendor call outcomes, the gateway's route labels, billing's tally."""

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from prometheus_client import REGISTRY

from services.billing.metrics import Tally
from services.gateway.metrics import RequestMetrics
from services.vendors import errors
from services.vendors.base import VendorAdapter
from services.vendors.metrics import OPERATIONS, instrument, outcome_of


def sample(name: str, **labels) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@pytest.mark.parametrize("error, outcome", [
    (None, "ok"), (errors.CapacityUnavailable("caip", "sold out"), "capacity_unavailable"),
    (errors.VendorUnavailable("caip", "down"), "vendor_unavailable"), (errors.NotFound("caip", "gone"), "not_found"),
    (NotImplementedError(), "unsupported"), (ValueError(), "error")])
def test_a_vendor_call_s_outcome_is_its_typed_error_in_snake_case(error, outcome):
    assert outcome_of(error) == outcome


def test_the_operations_are_the_adapter_interface_s_calls():
    assert {"submit", "get", "list_active", "stop", "list_flavors"} <= set(OPERATIONS)
    assert "aclose" not in OPERATIONS


async def test_an_instrumented_adapter_counts_each_call_by_outcome():
    class Fake(VendorAdapter):
        vendor, can_list = "fakevendor", False

        async def submit(self, req):
            if req == "full":
                raise errors.CapacityUnavailable("fakevendor", "sold out")
            return "job-1"

        list_flavors = find_by_name = get = stop = aclose = submit

    adapter = Fake()
    instrument(adapter)
    before_ok = sample("switchyard_vendor_requests_total", vendor="fakevendor", operation="submit", outcome="ok")
    assert await adapter.submit("ok") == "job-1"
    with pytest.raises(errors.CapacityUnavailable):
        await adapter.submit("full")
    assert sample("switchyard_vendor_requests_total", vendor="fakevendor", operation="submit",
                  outcome="ok") == before_ok + 1
    assert sample("switchyard_vendor_requests_total", vendor="fakevendor", operation="submit",
                  outcome="capacity_unavailable") >= 1
    assert sample("switchyard_vendor_request_duration_seconds_count", vendor="fakevendor", operation="submit") >= 2


async def test_requests_are_labelled_by_their_route_template_not_their_path():
    app = FastAPI()

    @app.get("/v1/things/{thing_id}")
    async def thing(thing_id: str):
        return {"id": thing_id}

    app.add_middleware(RequestMetrics)
    labels = dict(route="/v1/things/{thing_id}", method="GET", status="200")
    before = sample("switchyard_http_requests_total", **labels)
    unmatched = sample("switchyard_http_requests_total", route="unmatched", method="GET", status="404")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as client:
        assert (await client.get("/v1/things/a")).status_code == 200
        assert (await client.get("/v1/things/b")).status_code == 200
        assert (await client.get("/nowhere")).status_code == 404
    assert sample("switchyard_http_requests_total", **labels) == before + 2
    assert sample("switchyard_http_requests_total", route="unmatched", method="GET", status="404") == unmatched + 1


def test_a_tally_sums_per_vendor_and_counts_only_when_recorded():
    tally = Tally()
    tally.add_charges(["caip", "caip", "qizhi"], [100, 50, 7], [80, 40, 5])
    now = datetime.now(UTC)
    tally.add_lags([now - timedelta(seconds=2), now + timedelta(seconds=1)], now)
    assert (tally.minutes, tally.revenue, tally.cost) == (3, {"caip": 150, "qizhi": 7}, {"caip": 120, "qizhi": 5})
    assert tally.lags_s == [2.0, 0.0]  # a clock a little ahead is no negative lag
    before = sample("switchyard_revenue_micros_total", vendor="caip")
    tally.record()
    assert sample("switchyard_revenue_micros_total", vendor="caip") == before + 150


def test_with_metrics_off_the_gateway_serves_none_and_instruments_no_request(monkeypatch):
    from services.gateway.api import create_app
    from services.gateway.config import GatewaySettings

    monkeypatch.setenv("SWITCHYARD_METRICS", "false")
    app = create_app(GatewaySettings())
    assert RequestMetrics not in [m.cls for m in app.user_middleware]
    monkeypatch.setenv("SWITCHYARD_METRICS", "true")
    assert RequestMetrics in [m.cls for m in create_app(GatewaySettings()).user_middleware]

import uuid

import pytest

from contracts.jobs import JobSpec
from services.scheduler.health import VendorHealth
from contracts.catalog import VendorFlavor
from services.scheduler.placement import (
    Limits, Outcome, Reaction, Wants, candidates, classify, covering_package, ever_placeable, reaction_to,
    vendor_job_name, waiting_reason, within_limits,
)
from services.vendors import errors


def flavor(fid, accelerator="ascend-910b", count=1, price=18_000_000, available=True, vendor="modelarts",
           kind="training"):
    return VendorFlavor(vendor=vendor, flavor_id=fid, accelerator=accelerator, count=count, cpu=8,
                        memory_gb=64, price_per_hour=price, available=available, kind=kind)


def spec(accelerator="ascend-910b", count=1, kind="training", **extra) -> Wants:
    return Wants.of(JobSpec(**{"kind": kind, "name": "n", "image": "i", "command": "c",
                               "resources": {"accelerator": accelerator, "count": count}, **extra}))


def list_price(f: VendorFlavor) -> int:
    return f.price_per_hour


def ids(flavors):
    return [f.flavor_id for f in flavors]


def test_cheapest_fitting_flavor_comes_first():
    flavors = [flavor("big", count=8, price=144_000_000), flavor("one", price=18_000_000),
               flavor("two", count=2, price=36_000_000), flavor("gpu", accelerator="nvidia-v100", price=1)]
    assert ids(candidates(flavors, spec(count=2), sell_price=list_price)) == ["two", "big"]
    assert ids(candidates(flavors, spec(count=1), sell_price=list_price))[0] == "one"


def test_across_vendors_the_cheaper_vendor_wins():
    flavors = [flavor("ma", price=20, vendor="modelarts"), flavor("ai", price=10, vendor="aispace")]
    assert ids(candidates(flavors, spec(), sell_price=list_price)) == ["ai", "ma"]


def test_sold_out_other_accelerators_and_other_kinds_are_left_out():
    flavors = [flavor("sold", available=False), flavor("gpu", accelerator="nvidia-v100"),
               flavor("nb", kind="notebook")]
    assert candidates(flavors, spec(), sell_price=list_price) == []
    assert ids(candidates(flavors, spec(kind="notebook", command=None), sell_price=list_price)) == ["nb"]


def test_equal_price_prefers_the_smaller_flavor_then_vendor_and_id():
    flavors = [flavor("b", count=2, price=10), flavor("a", count=2, price=10), flavor("c", count=1, price=10)]
    assert ids(candidates(flavors, spec(), sell_price=list_price)) == ["c", "a", "b"]


def test_degraded_vendors_are_tried_last_not_dropped():
    flavors = [flavor("cheap", price=1, vendor="qizhi"), flavor("dear", price=9, vendor="caip")]
    order = candidates(flavors, spec(), sell_price=list_price, degraded=frozenset({"qizhi"}))
    assert ids(order) == ["dear", "cheap"]


def test_placement_constraints():
    flavors = [flavor("ma", price=30_000_000, vendor="modelarts"), flavor("ca", price=10_000_000, vendor="caip")]
    only_ma = spec(placement={"vendors": ["modelarts"]})
    assert ids(candidates(flavors, only_ma, sell_price=list_price)) == ["ma"]
    not_caip = spec(placement={"exclude_vendors": ["caip"]})
    assert ids(candidates(flavors, not_caip, sell_price=list_price)) == ["ma"]
    cheap_only = spec(placement={"max_price_per_hour": "20.00"})
    assert ids(candidates(flavors, cheap_only, sell_price=list_price)) == ["ca"]
    # the ceiling is at sell price, so a markup can push a flavor over it
    assert candidates(flavors, cheap_only, sell_price=lambda f: f.price_per_hour * 3) == []


def test_ever_placeable_ignores_availability_but_not_constraints():
    flavors = [flavor("sold", available=False)]
    assert ever_placeable(flavors, spec(), list_price)
    assert not ever_placeable(flavors, spec(accelerator="mlu370"), list_price)
    assert not ever_placeable(flavors, spec(placement={"vendors": ["caip"]}), list_price)


@pytest.mark.parametrize("error,outcome", [
    (errors.CapacityUnavailable("v", "sold out"), Outcome.CAPACITY),
    (errors.QuotaExceeded("v", "quota"), Outcome.QUOTA),
    (errors.RateLimited("v", "slow down", retry_after_s=1), Outcome.RATE_LIMITED),
    (errors.VendorUnavailable("v", "503"), Outcome.UNAVAILABLE),
    (errors.AuthFailed("v", "bad token"), Outcome.AUTH),
    (errors.InvalidRequest("v", "bad image"), Outcome.INVALID),
    (errors.WrongState("v", "busy"), Outcome.INVALID),
])
def test_failover_class_of_each_error(error, outcome):
    assert classify(error) is outcome


@pytest.mark.parametrize("limits,jobs,accels,asked,ok", [
    (Limits(), 100, 100, 8, True),
    (Limits(max_concurrent_jobs=2), 1, 0, 1, True),
    (Limits(max_concurrent_jobs=2), 2, 0, 1, False),
    (Limits(max_concurrent_accelerators=8), 1, 4, 4, True),
    (Limits(max_concurrent_accelerators=8), 1, 4, 5, False),
    (Limits(max_concurrent_jobs=0), 0, 0, 0, False),
])
def test_tenant_limits(limits, jobs, accels, asked, ok):
    assert within_limits(limits, jobs, accels, asked) is ok


def test_vendor_health_degrades_for_a_cooldown():
    now = [100.0]
    health = VendorHealth(cooldown_s=60, clock=lambda: now[0])
    assert health.degrade("qizhi") is True
    assert health.degrade("qizhi") is False  # already degraded: no second announcement
    assert health.degraded() == {"qizhi"}
    now[0] += 61
    assert health.degraded() == frozenset()


def test_vendor_job_name_is_deterministic_and_valid_for_modelarts():
    job_id = uuid.uuid4()
    name = vendor_job_name(job_id)
    assert name == vendor_job_name(job_id)
    assert len(name) <= 64 and all(c.isalnum() or c in "-_" for c in name)


def test_a_resubmitted_job_gets_a_new_vendor_name_so_it_never_finds_the_lost_one():
    job_id = uuid.uuid4()
    assert vendor_job_name(job_id, 0) == vendor_job_name(job_id)
    again = vendor_job_name(job_id, 1)
    assert again != vendor_job_name(job_id) and again != vendor_job_name(job_id, 2)
    assert len(vendor_job_name(job_id, 99)) <= 64 and all(c.isalnum() or c in "-_" for c in again)


def test_a_flavor_a_prepaid_package_covers_comes_before_a_cheaper_one():
    cheap, dear = flavor("cheap", price=10_000_000), flavor("dear", price=30_000_000, vendor="aispace")
    assert ids(candidates([cheap, dear], spec(), sell_price=list_price)) == ["cheap", "dear"]
    covered_dear = candidates([cheap, dear], spec(), sell_price=list_price, is_covered=lambda f: f.flavor_id == "dear")
    assert ids(covered_dear) == ["dear", "cheap"]


def test_the_vendor_that_lost_the_job_is_tried_last_but_still_tried():
    lost, other = flavor("lost", price=10_000_000), flavor("other", price=30_000_000, vendor="caip")
    order = candidates([lost, other], spec(), sell_price=list_price, lost_on=frozenset({"modelarts"}),
                       is_covered=lambda f: f.flavor_id == "lost")
    assert ids(order) == ["other", "lost"]


def test_what_covers_a_flavor_the_tenants_package_then_the_vendors_prepaid_one():
    plain = flavor("plain")
    prepaid = VendorFlavor(vendor="aispace", flavor_id="AIDP-1", accelerator="nvidia-h800", count=2, cpu=16,
                           memory_gb=128, price_per_hour=40_000_000, available=True, prepaid_package="AIDP-1")
    assert covering_package(plain, None) is None
    assert covering_package(plain, "0b7e...-tenant-package") == "0b7e...-tenant-package"
    assert covering_package(prepaid, None) == "aispace:AIDP-1"
    assert covering_package(prepaid, "tenant-package") == "tenant-package"


def test_what_a_job_asks_is_read_once_from_its_spec():
    wants = spec(count=2, kind="inference", command=None, replicas=3,
                 placement={"vendors": ["aispace"], "exclude_vendors": ["caip"], "max_price_per_hour": "30.50"})
    assert (wants.instances, wants.accelerators) == (3, 6)
    assert wants.vendors == {"aispace"} and wants.exclude_vendors == {"caip"}
    assert wants.max_price_per_hour == 30_500_000
    assert spec().vendors is None and spec().max_price_per_hour is None and spec().instances == 1


@pytest.mark.parametrize("outcome,reaction", [
    (Outcome.CAPACITY, Reaction(reread_catalog=True)),
    (Outcome.QUOTA, Reaction()),
    (Outcome.UNAVAILABLE, Reaction(degrade_vendor=True)),
    (Outcome.RATE_LIMITED, Reaction(degrade_vendor=True)),
    (Outcome.INVALID, Reaction(reject="invalid_request")),
    (Outcome.AUTH, Reaction(reject="vendor_auth_failed", credentials_refused=True)),
])
def test_what_the_dispatcher_does_after_each_refusal(outcome, reaction):
    assert reaction_to(outcome) == reaction


def test_a_job_no_vendor_took_waits_for_funds_only_when_it_could_pay_for_none():
    one = flavor("one")
    assert waiting_reason([one], []) == "funds"
    assert waiting_reason([one], [one]) == "no_capacity"
    assert waiting_reason([], []) == "no_capacity"

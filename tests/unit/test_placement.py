import uuid

from contracts.jobs import Resources
from services.scheduler.placement import candidates, vendor_job_name
from services.vendors.base import VendorFlavor


def flavor(fid, accelerator="ascend-910b", count=1, price=18_000_000, available=True):
    return VendorFlavor(vendor="modelarts", flavor_id=fid, accelerator=accelerator, count=count, cpu=8,
                        memory_gb=64, price_per_hour=price, available=available)


def test_cheapest_fitting_flavor_comes_first():
    flavors = [flavor("big", count=8, price=144_000_000), flavor("one", price=18_000_000),
               flavor("two", count=2, price=36_000_000), flavor("gpu", accelerator="nvidia-v100", price=1)]
    assert [f.flavor_id for f in candidates(flavors, Resources(accelerator="ascend-910b", count=2))] == ["two", "big"]
    assert [f.flavor_id for f in candidates(flavors, Resources(accelerator="ascend-910b", count=1))][0] == "one"


def test_sold_out_and_other_accelerators_are_left_out():
    flavors = [flavor("sold", available=False), flavor("gpu", accelerator="nvidia-v100")]
    assert candidates(flavors, Resources(accelerator="ascend-910b", count=1)) == []


def test_equal_price_prefers_the_smaller_flavor_then_the_id():
    flavors = [flavor("b", count=2, price=10), flavor("a", count=2, price=10), flavor("c", count=1, price=10)]
    assert [f.flavor_id for f in candidates(flavors, Resources(accelerator="ascend-910b", count=1))] == ["c", "a", "b"]


def test_vendor_job_name_is_deterministic_and_valid_for_modelarts():
    job_id = uuid.uuid4()
    name = vendor_job_name(job_id)
    assert name == vendor_job_name(job_id)
    assert len(name) <= 64 and all(c.isalnum() or c in "-_" for c in name)

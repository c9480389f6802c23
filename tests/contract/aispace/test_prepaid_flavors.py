"""AI Space flavors are prepaid packages: each names its package while the package has amount left, over HTTP."""

from contextlib import aclosing
from datetime import UTC, datetime

import pytest

from services.scheduler.catalog_sync import diff_flavors
from services.vendors.aispace import AISpaceAdapter
from services.vendorsim.aispace.config import StartingPackage
from tests.contract.aispace.case import ALPHA, AISpaceSim, package
from tests.contract.support import unique_name, wait_until

pytestmark = pytest.mark.asyncio


@pytest.mark.parametrize("kind", ["training", "notebook", "inference"])
async def test_every_flavor_names_its_prepaid_package(adapter: AISpaceAdapter, sim: AISpaceSim, kind: str) -> None:
    flavors = await adapter.list_flavors(kind)  # type: ignore[arg-type]
    assert flavors and all(f.available and f.prepaid_package == f.flavor_id for f in flavors)
    bought = {package(sim, code)["resourceId"] for code in ("calculate", "calculate2H80050c", "standardCpu")}
    assert bought <= {f.prepaid_package for f in flavors}


def burn(sim: AISpaceSim, resource_id: str) -> None:
    """Run a workload on the package through the raw API until nothing of it is left."""
    body = {
        "projectId": sim.config.project_id, "name": unique_name("burn"), "maas_task_type": "slm",
        "billing_mode": "resourcePool", "images": "img", "command": "sleep", "spec_type": "compute",
        "resourceId": resource_id, "node_selector": "train=true", "expand": "{}",
    }  # fmt: skip
    task = sim.ok("POST", f"{ALPHA}/maas_task_modelview/slm/api/", body=body)["data"]["result"]
    sim.ok("GET", f"{ALPHA}/maas_task_modelview/slm/api/maas_run/{task['id']}")
    wait_until(lambda: package(sim, "standardCpu")["restAmount"] == 0)


async def test_an_exhausted_package_is_sold_out_and_unmarked(start_sim) -> None:  # type: ignore[no-untyped-def]
    sim = start_sim(amount_unit_s=0.05, packages=(StartingPackage("standardCpu", "tiny", 1, 2, 100),))
    async with aclosing(AISpaceAdapter(sim.settings())) as aispace:
        (fresh,) = await aispace.list_flavors()
        assert fresh.available and fresh.prepaid_package == package(sim, "standardCpu")["resourceId"]
        burn(sim, fresh.flavor_id)
        (spent,) = await aispace.list_flavors()
        assert spent.flavor_id == fresh.flavor_id and (spent.available, spent.prepaid_package) == (False, None)
        # What the catalog sync would announce for it.
        events = diff_flavors([fresh], [spent], datetime.now(UTC))
        assert [e.change for e in events] == ["price_changed", "availability_changed"]
        assert events[0].before.prepaid_package == fresh.flavor_id and events[0].after.prepaid_package is None

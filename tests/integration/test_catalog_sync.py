"""The scheduler's catalog sync on the real PostgreSQL: the recorded catalog and the outbox rows announcing it."""

import asyncio
import json
import uuid

from contracts.catalog import FlavorChanged
from contracts.topics import VENDOR_EVENTS
from services.common.settings import get_settings
from services.scheduler.catalog import Catalog
from services.scheduler.catalog_sync import refresh
from contracts.catalog import VendorFlavor
from services.vendors.errors import VendorUnavailable


class FakeVendor:
    """Just enough of a VendorAdapter for the sync: its kinds and a flavor list per kind it can change."""

    can_list = False

    def __init__(self, vendor: str, *flavors: VendorFlavor, kinds: frozenset[str] = frozenset({"training"})):
        self.vendor, self.kinds = vendor, kinds
        self.flavors = list(flavors)
        self.down = False
        self.gate: asyncio.Event | None = None  # when set, a read waits for it (a slow vendor)
        self.reading = asyncio.Event()  # set once a read has begun

    async def list_flavors(self, kind: str = "training") -> list[VendorFlavor]:
        self.reading.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.down:
            raise VendorUnavailable(self.vendor, "connection refused")
        return [f for f in self.flavors if f.kind == kind]

    def change(self, fid: str, kind: str = "training", **change: object) -> None:
        self.flavors = [f.model_copy(update=change) if (f.flavor_id, f.kind) == (fid, kind) else f for f in self.flavors]

    def remove(self, fid: str) -> None:
        self.flavors = [f for f in self.flavors if f.flavor_id != fid]


def vendor_name() -> str:
    return f"v{uuid.uuid4().hex[:10]}"  # each test its own vendors: the module shares one database


def flavor(vendor: str, fid: str, kind: str = "training", **change: object) -> VendorFlavor:
    base = VendorFlavor(vendor=vendor, flavor_id=fid, accelerator="nvidia-a100", count=8, cpu=64, memory_gb=512,
                        price_per_hour=40_000_000, available=True, kind=kind)  # type: ignore[arg-type]
    return base.model_copy(update=change)


async def announced(pool, vendor: str) -> list[tuple[str, str, str]]:
    """(kind, flavor, change) of every outbox row about `vendor`, oldest first."""
    rows = await pool.fetch("SELECT topic, headers, payload FROM scheduler.outbox WHERE key = $1 ORDER BY id", vendor)
    assert all(r["topic"] == get_settings().topic(VENDOR_EVENTS) for r in rows)
    assert all(r["headers"]["ce_type"] == FlavorChanged.TYPE for r in rows)
    events = [FlavorChanged.model_validate(json.loads(r["payload"])) for r in rows]
    return [(e.kind, e.flavor, e.change) for e in events]


async def recorded(pool, vendor: str) -> dict[tuple[str, str], tuple]:
    rows = await pool.fetch(
        """SELECT kind, flavor, count, price_per_hour, available, prepaid_package
           FROM scheduler.catalog_flavors WHERE vendor = $1""", vendor)
    return {(r["kind"], r["flavor"]): (r["count"], r["price_per_hour"], r["available"], r["prepaid_package"])
            for r in rows}


async def test_changes_are_recorded_and_announced_once_each(pool) -> None:
    name = vendor_name()
    vendor = FakeVendor(name, flavor(name, "a"), flavor(name, "b"), flavor(name, "c"), flavor(name, "a", "notebook"),
                        kinds=frozenset({"training", "notebook"}))
    adapters = {name: vendor}

    first = (await refresh(pool, adapters)).events
    assert sorted((e.kind, e.flavor, e.change) for e in first) == [
        ("notebook", "a", "added"), ("training", "a", "added"), ("training", "b", "added"), ("training", "c", "added"),
    ]
    assert (await refresh(pool, adapters)).events == []  # nothing changed: nothing announced

    vendor.change("a", price_per_hour=41_500_001)
    vendor.remove("b")
    vendor.change("c", available=False)
    vendor.flavors.append(flavor(name, "d", prepaid_package="pkg-1"))
    second = (await refresh(pool, adapters)).events
    assert [(e.kind, e.flavor, e.change) for e in second] == [
        ("training", "a", "price_changed"), ("training", "b", "removed"),
        ("training", "c", "availability_changed"), ("training", "d", "added"),
    ]
    price = second[0]
    assert (price.before.price_per_hour, price.after.price_per_hour) == (40_000_000, 41_500_001)
    assert (await refresh(pool, adapters)).events == []

    assert await recorded(pool, name) == {
        ("notebook", "a"): (8, 40_000_000, True, None),
        ("training", "a"): (8, 41_500_001, True, None),
        ("training", "c"): (8, 40_000_000, False, None),
        ("training", "d"): (8, 40_000_000, True, "pkg-1"),
    }
    assert await announced(pool, name) == sorted((e.kind, e.flavor, e.change) for e in first) + [
        (e.kind, e.flavor, e.change) for e in second
    ]


async def test_a_vendor_that_cannot_answer_keeps_its_catalog_and_loses_nothing(pool) -> None:
    down_name, up_name = vendor_name(), vendor_name()
    down = FakeVendor(down_name, flavor(down_name, "x"), flavor(down_name, "y"))
    up = FakeVendor(up_name, flavor(up_name, "z"))
    adapters = {down_name: down, up_name: up}
    await refresh(pool, adapters)
    before = await recorded(pool, down_name)

    down.down = True
    up.change("z", count=4)
    events = (await refresh(pool, adapters)).events
    assert [(e.vendor, e.flavor, e.change) for e in events] == [(up_name, "z", "spec_changed")]
    assert await recorded(pool, down_name) == before
    assert await announced(pool, down_name) == [("training", "x", "added"), ("training", "y", "added")]

    # Back, and one flavor really gone: now it is removed, once.
    down.down = False
    down.remove("y")
    assert [(e.flavor, e.change) for e in (await refresh(pool, adapters)).events] == [("y", "removed")]
    assert (await announced(pool, down_name))[-1] == ("training", "y", "removed")
    assert set(await recorded(pool, down_name)) == {("training", "x")}


async def test_replicas_refreshing_at_once_announce_each_change_once(pool) -> None:
    name = vendor_name()
    replicas = [FakeVendor(name, flavor(name, "a")) for _ in range(4)]  # one adapter per scheduler replica
    await refresh(pool, {name: replicas[0]})
    for replica in replicas:
        replica.change("a", available=False)
    await asyncio.gather(*(refresh(pool, {name: replica}) for replica in replicas))
    assert await announced(pool, name) == [("training", "a", "added"), ("training", "a", "availability_changed")]


async def test_a_read_older_than_the_recorded_one_is_dropped(pool) -> None:
    name = vendor_name()
    slow, fast = FakeVendor(name, flavor(name, "a")), FakeVendor(name, flavor(name, "a"))
    await refresh(pool, {name: fast})
    # The slow replica starts reading first but answers last, with what was true before the fast one's read.
    slow.change("a", price_per_hour=45_000_000)
    fast.change("a", price_per_hour=50_000_000)
    slow.gate = asyncio.Event()
    stale = asyncio.create_task(refresh(pool, {name: slow}))
    await slow.reading.wait()  # its read has begun (its time is taken), and waits at the gate
    assert [e.after.price_per_hour for e in (await refresh(pool, {name: fast})).events] == [50_000_000]
    slow.gate.set()
    assert (await stale).events == []
    assert (await recorded(pool, name))[("training", "a")][1] == 50_000_000
    assert await announced(pool, name) == [("training", "a", "added"), ("training", "a", "price_changed")]


async def test_the_dispatchers_catalog_reads_vendors_through_the_sync(pool) -> None:
    name, other = vendor_name(), vendor_name()
    vendor, steady = FakeVendor(name, flavor(name, "a")), FakeVendor(other, flavor(other, "b"))
    catalog = Catalog({name: vendor, other: steady}, ttl_s=3600)  # type: ignore[dict-item]
    assert {f.flavor_id for f in await catalog.flavors(pool, "training")} == {"a", "b"}
    assert await announced(pool, name) == [("training", "a", "added")]  # what it read is recorded and announced

    vendor.change("a", available=False)
    steady.change("b", cpu=1)
    steady.down = True  # a vendor that cannot answer keeps the view it had
    await catalog.refresh(pool)
    by_id = {f.flavor_id: f for f in await catalog.flavors(pool, "training")}
    assert not by_id["a"].available and by_id["b"].cpu == 64
    assert (await announced(pool, name))[-1] == ("training", "a", "availability_changed")

    vendor.change("a", available=True)
    assert not {f.flavor_id: f for f in await catalog.flavors(pool, "training")}["a"].available  # within its ttl
    catalog.invalidate(name)  # a submission found it sold out: read it again
    assert {f.flavor_id: f for f in await catalog.flavors(pool, "training")}["a"].available
    assert await catalog.flavors(pool, "notebook") == []

"""The catalog sync: reads every enabled vendor's flavors per kind, records them in `scheduler.catalog_flavors`
and announces each change once on `vendors.events` (`FlavorChanged`, through the outbox).

Vendors are read outside any transaction; then, in one transaction under an advisory lock, each (vendor, kind)
read is compared with the recorded catalog, the new state stored and the changes enqueued. The lock serializes
replicas, and a read older than the one already recorded (another replica read later but committed first) is
dropped, so a change is announced once and never undone by a stale read. A vendor that cannot answer is left out
of the round: its recorded flavors stay, and nothing is announced as removed.
"""

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from contracts.catalog import FlavorChange, FlavorChanged, VendorFlavor
from contracts.topics import VENDOR_EVENTS
from services.common.logs import log
from services.common.outbox import enqueue
from services.common.unit_of_work import unit_of_work
from services.vendors import errors
from services.vendors.base import VendorAdapter

SCHEMA = "scheduler"
SOURCE = "switchyard/scheduler"
LOCK = "scheduler.catalog_sync"

Key = tuple[str, str, str]  # (vendor, kind, flavor id)
Reads = dict[tuple[str, str], list[VendorFlavor]]  # (vendor, kind) -> the flavors the vendor listed


# --------------------------------------------------------------------------- the diff (pure)

def changes_between(before: VendorFlavor, after: VendorFlavor) -> list[FlavorChange]:
    """What moved in one flavor. The prepaid package counts as price: it changes what the account pays."""
    found: list[FlavorChange] = []
    if (before.accelerator, before.count, before.cpu, before.memory_gb, before.max_nodes) != (
            after.accelerator, after.count, after.cpu, after.memory_gb, after.max_nodes):
        found.append("spec_changed")
    if (before.price_per_hour, before.prepaid_package) != (after.price_per_hour, after.prepaid_package):
        found.append("price_changed")
    if before.available != after.available:
        found.append("availability_changed")
    return found


def diff_flavors(before: Iterable[VendorFlavor], after: Iterable[VendorFlavor],
                 changed_at: datetime) -> list[FlavorChanged]:
    """The events turning the catalog `before` into `after`, by (vendor, kind, flavor id), in key order."""
    old, new = _by_key(before), _by_key(after)
    events: list[FlavorChanged] = []
    for key in sorted(old.keys() | new.keys()):
        was, now = old.get(key), new.get(key)
        if was is None:
            kinds: list[FlavorChange] = ["added"]
        elif now is None:
            kinds = ["removed"]
        else:
            kinds = changes_between(was, now)
        vendor, kind, flavor = key
        events.extend(FlavorChanged(vendor=vendor, kind=kind, flavor=flavor, change=change, before=was, after=now,
                                    changed_at=changed_at) for change in kinds)
    return events


def _by_key(flavors: Iterable[VendorFlavor]) -> dict[Key, VendorFlavor]:
    return {(f.vendor, f.kind, f.flavor_id): f for f in flavors}


# --------------------------------------------------------------------------- reading the vendors

async def read_vendors(adapters: dict[str, VendorAdapter]) -> Reads:
    """Every vendor's flavors for every kind it runs, read concurrently; a vendor failing any kind is left out."""
    reads = await asyncio.gather(*(_read_vendor(vendor, adapter) for vendor, adapter in adapters.items()))
    return {key: flavors for read in reads for key, flavors in read.items()}


async def _read_vendor(vendor: str, adapter: VendorAdapter) -> Reads:
    found: Reads = {}
    try:
        for kind in sorted(adapter.kinds):
            found[(vendor, kind)] = await adapter.list_flavors(kind)
    except errors.VendorError as exc:
        log.warning("scheduler.catalog_sync_skipped", vendor=vendor, error=str(exc))
        return {}
    except Exception:  # an adapter bug must not stop the other vendors' sync
        log.exception("scheduler.catalog_sync_failed", vendor=vendor)
        return {}
    return found


# --------------------------------------------------------------------------- recording and announcing

@dataclass(frozen=True)
class Refreshed:
    reads: Reads  # what the vendors that answered listed
    events: list[FlavorChanged]  # the changes recorded and enqueued


async def refresh(pool: asyncpg.Pool, adapters: dict[str, VendorAdapter]) -> Refreshed:
    """Read the vendors, record what changed and enqueue its events."""
    read_at = await database_time(pool)
    reads = await read_vendors(adapters)
    return Refreshed(reads, await record(pool, reads, read_at))


async def database_time(pool: asyncpg.Pool) -> datetime:
    """When a read starts, by the database's clock: the same clock for every replica."""
    return await pool.fetchval("SELECT clock_timestamp()")


async def record(pool: asyncpg.Pool, reads: Reads, read_at: datetime) -> list[FlavorChanged]:
    """Record reads started at `read_at` and enqueue their changes, in one transaction under the lock."""
    events: list[FlavorChanged] = []
    async with unit_of_work(pool) as conn:
        await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", LOCK)
        for (vendor, kind), flavors in sorted(reads.items()):
            events.extend(await _record(conn, vendor, kind, flavors, read_at))
    return events


async def _record(conn: asyncpg.Connection, vendor: str, kind: str, flavors: list[VendorFlavor],
                  read_at: datetime) -> list[FlavorChanged]:
    last = await conn.fetchval("SELECT fetched_at FROM scheduler.catalog_reads WHERE vendor = $1 AND kind = $2",
                               vendor, kind)
    if last is not None and last >= read_at:
        return []  # a newer read is recorded already
    events = diff_flavors(await load_catalog(conn, vendor, kind), flavors, read_at)
    await _store(conn, vendor, kind, _by_key(flavors), events)
    await conn.execute(
        """INSERT INTO scheduler.catalog_reads (vendor, kind, fetched_at) VALUES ($1, $2, $3)
           ON CONFLICT (vendor, kind) DO UPDATE SET fetched_at = EXCLUDED.fetched_at""",
        vendor, kind, read_at,
    )
    for event in events:
        await enqueue(conn, SCHEMA, VENDOR_EVENTS, event, source=SOURCE)
    return events


async def load_catalog(conn: asyncpg.Connection, vendor: str, kind: str) -> list[VendorFlavor]:
    """The recorded flavors of one vendor and kind."""
    rows = await conn.fetch(
        """SELECT vendor, kind, flavor, accelerator, count, cpu, memory_gb, price_per_hour, available, prepaid_package,
                  max_nodes
           FROM scheduler.catalog_flavors WHERE vendor = $1 AND kind = $2""",
        vendor, kind,
    )
    return [VendorFlavor(vendor=r["vendor"], flavor_id=r["flavor"], accelerator=r["accelerator"], count=r["count"],
                         cpu=r["cpu"], memory_gb=r["memory_gb"], price_per_hour=r["price_per_hour"],
                         available=r["available"], kind=r["kind"], prepaid_package=r["prepaid_package"],
                         max_nodes=r["max_nodes"])
            for r in rows]


async def _store(conn: asyncpg.Connection, vendor: str, kind: str, new: dict[Key, VendorFlavor],
                 events: list[FlavorChanged]) -> None:
    """Write only the flavors that changed: upsert added and changed ones, delete removed ones."""
    removed = sorted({e.flavor for e in events if e.change == "removed"})
    changed = sorted({(e.vendor, e.kind, e.flavor) for e in events if e.change != "removed"})
    if removed:
        await conn.execute(
            "DELETE FROM scheduler.catalog_flavors WHERE vendor = $1 AND kind = $2 AND flavor = ANY($3::text[])",
            vendor, kind, removed,
        )
    if changed:
        changed_at = events[0].changed_at
        await conn.executemany(
            """INSERT INTO scheduler.catalog_flavors (vendor, kind, flavor, accelerator, count, cpu, memory_gb,
                                                      price_per_hour, available, prepaid_package, changed_at,
                                                      max_nodes)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
               ON CONFLICT (vendor, kind, flavor) DO UPDATE SET
                   accelerator = EXCLUDED.accelerator, count = EXCLUDED.count, cpu = EXCLUDED.cpu,
                   memory_gb = EXCLUDED.memory_gb, price_per_hour = EXCLUDED.price_per_hour,
                   available = EXCLUDED.available, prepaid_package = EXCLUDED.prepaid_package,
                   changed_at = EXCLUDED.changed_at, max_nodes = EXCLUDED.max_nodes""",
            [(f.vendor, f.kind, f.flavor_id, f.accelerator, f.count, f.cpu, f.memory_gb, f.price_per_hour,
              f.available, f.prepaid_package, changed_at, f.max_nodes) for f in (new[key] for key in changed)],
        )

"""The catalog sync's diff: two flavor lists in, one FlavorChanged per flavor and kind of change out."""

from datetime import UTC, datetime

from contracts.catalog import FlavorChanged
from contracts.events import EVENT_TYPES, Envelope
from services.scheduler.catalog_sync import diff_flavors
from contracts.catalog import VendorFlavor

AT = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def flavor(fid: str = "f1", vendor: str = "modelarts", kind: str = "training", **change: object) -> VendorFlavor:
    base = VendorFlavor(vendor=vendor, flavor_id=fid, accelerator="ascend-910b", count=1, cpu=24, memory_gb=192,
                        price_per_hour=18_000_000, available=True, kind=kind)  # type: ignore[arg-type]
    return base.model_copy(update=change)


def changes(events: list[FlavorChanged]) -> list[tuple[str, str, str, str]]:
    return [(e.vendor, e.kind, e.flavor, e.change) for e in events]


def test_the_same_catalog_changes_nothing() -> None:
    catalog = [flavor("a"), flavor("b"), flavor("a", kind="notebook")]
    assert diff_flavors(catalog, list(reversed(catalog)), AT) == []


def test_added_and_removed_flavors_carry_one_side() -> None:
    (added,) = diff_flavors([], [flavor("new")], AT)
    assert (added.change, added.before, added.after) == ("added", None, flavor("new"))
    (removed,) = diff_flavors([flavor("old")], [], AT)
    assert (removed.change, removed.before, removed.after) == ("removed", flavor("old"), None)
    assert removed.changed_at == AT and removed.vendor == "modelarts" and removed.flavor == "old"


def test_price_change_keeps_exact_micro_units() -> None:
    (event,) = diff_flavors([flavor()], [flavor(price_per_hour=18_000_001)], AT)
    assert event.change == "price_changed"
    assert (event.before.price_per_hour, event.after.price_per_hour) == (18_000_000, 18_000_001)


def test_availability_and_spec_changes() -> None:
    (sold_out,) = diff_flavors([flavor()], [flavor(available=False)], AT)
    assert sold_out.change == "availability_changed" and not sold_out.after.available
    for field, value in (("accelerator", "ascend-910c"), ("count", 2), ("cpu", 48), ("memory_gb", 384), ("max_nodes", 4)):
        (event,) = diff_flavors([flavor()], [flavor(**{field: value})], AT)
        assert event.change == "spec_changed", field


def test_several_changes_of_one_flavor_are_one_event_each_with_the_whole_states() -> None:
    events = diff_flavors([flavor()], [flavor(count=2, price_per_hour=30_000_000, available=False)], AT)
    assert [e.change for e in events] == ["spec_changed", "price_changed", "availability_changed"]
    assert all(e.before == flavor() and e.after.count == 2 for e in events)


def test_a_prepaid_mark_appearing_or_going_is_a_price_change() -> None:
    (covered,) = diff_flavors([flavor()], [flavor(prepaid_package="AIDP-1")], AT)
    assert covered.change == "price_changed" and covered.after.prepaid_package == "AIDP-1"
    events = diff_flavors([flavor(prepaid_package="AIDP-1")], [flavor(prepaid_package=None, available=False)], AT)
    assert [e.change for e in events] == ["price_changed", "availability_changed"]


def test_flavors_are_told_apart_by_vendor_kind_and_id_in_a_stable_order() -> None:
    before = [flavor("x", vendor="caip"), flavor("x", vendor="modelarts"), flavor("x", kind="notebook")]
    after = [flavor("x", vendor="modelarts", price_per_hour=1), flavor("y", vendor="caip")]
    assert changes(diff_flavors(before, after, AT)) == [
        ("caip", "training", "x", "removed"),
        ("caip", "training", "y", "added"),
        ("modelarts", "notebook", "x", "removed"),
        ("modelarts", "training", "x", "price_changed"),
    ]


def test_the_event_is_registered_and_round_trips_keyed_by_vendor() -> None:
    (event,) = diff_flavors([flavor(prepaid_package="AIDP-1")], [flavor(price_per_hour=20_000_000)], AT)
    assert EVENT_TYPES[FlavorChanged.TYPE] is FlavorChanged
    assert FlavorChanged.TYPE == "switchyard.vendor.flavor_changed.v1"
    envelope = Envelope(source="switchyard/test", data=event)
    headers = envelope.kafka_headers()
    assert headers["ce_subject"] == "modelarts" and "ce_tenantid" not in headers
    assert Envelope.from_kafka(headers, envelope.kafka_body()) == envelope

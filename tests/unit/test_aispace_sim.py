"""The AI Space simulator's own rules: package capacity over time, its time formats, its list paging."""

from datetime import UTC, datetime

import pytest

from services.vendorsim.aispace import times
from services.vendorsim.aispace.capacity import Demand, Pool, Run
from services.vendorsim.aispace.paging import FormData, cube_page, gateway_page, parse_form_data
from services.vendorsim.aispace.wire import AISpaceError

NODE = Demand(16, 1, 100)


def run(at: float, run_s: float | None, demand: Demand = NODE) -> Run:
    return Run(demand, nodes=1, requested_at=at, ready_at=at + 1, run_s=run_s)


def test_runs_queue_first_come_first_served_for_the_packages_nodes() -> None:
    pool = Pool(NODE.times(2))
    a, b, c = run(0, 10), run(0, 5), run(0, 3)
    for r in (a, b, c):
        pool.enqueue(r)
    pool.advance(100)
    assert (a.start_at, b.start_at, c.start_at) == (1, 1, 6)  # c waits for b's node


def test_a_stop_frees_the_node_at_once() -> None:
    pool = Pool(NODE)
    a, b = run(0, None), run(0, 1)  # a notebook holds the node until stopped
    pool.enqueue(a)
    pool.enqueue(b)
    pool.advance(50)
    assert a.start_at == 1 and b.start_at is None
    pool.stop(a, 50)
    pool.advance(60)
    assert b.start_at == 50 and a.was_stopped() and not b.was_stopped()
    assert pool.free(60) == NODE  # b ran 50..51


def test_waiting_runs_leave_the_queue_when_stopped() -> None:
    pool = Pool(NODE)
    a, b = run(0, 10), run(0, 10)
    pool.enqueue(a)
    pool.enqueue(b)
    pool.advance(2)
    pool.stop(b, 2)
    pool.advance(100)
    assert b.start_at is None and b.seconds_run(100) is None and not pool.has_waiting()


def test_consumption_counts_started_units_per_run() -> None:
    pool = Pool(NODE.times(2))
    a, b = run(0, 7200), run(0, 1)
    pool.enqueue(a)
    pool.enqueue(b)
    pool.advance(1)
    assert pool.consumed_units(1, 3600) == 2  # each started run uses at least one unit
    assert pool.consumed_units(3602, 3600) == 3  # a: 1 h 0 min 1 s -> 2 units; b: 1 unit
    assert pool.consumed_units(10_000, 3600) == 3  # a ended after 2 h
    assert pool.last_change(10_000) == 7201


def test_times_in_utc_plus_8() -> None:
    instant = datetime(2024, 7, 11, 14, 29, 12, 150000, tzinfo=UTC).timestamp()
    assert times.ms(instant) == 1720708152150
    assert times.spaced(instant) == "2024-07-11 22:29:12"
    assert times.iso(instant) == "2024-07-11T22:29:12"
    assert times.iso_micro(instant) == "2024-07-11T22:29:12.150000"
    assert times.spaced(None) == "未知"
    assert (times.elapsed(None), times.elapsed(59), times.elapsed(3900)) == ("未知", "00小时00分钟", "01小时05分钟")


def test_cycles_are_calendar_months_and_years() -> None:
    jan31 = datetime(2024, 1, 31, 12, tzinfo=times.CST).timestamp()
    assert times.spaced(times.add_cycles(jan31, "Month", 1)) == "2024-02-29 12:00:00"
    assert times.spaced(times.add_cycles(jan31, "Month", 12)) == "2025-01-31 12:00:00"
    assert times.spaced(times.add_cycles(jan31, "Year", 1)) == "2025-01-31 12:00:00"


ROWS = [{"id": i, "name": f"n{i}", "maas": i % 2} for i in range(1, 6)]


def test_form_data_pages_from_zero_newest_first() -> None:
    form = parse_form_data(
        '{"page":1,"page_size":2,"str_related":1,"filters":[{"col":"maas","opr":"rel_o_m","value":"1"}]}', None
    )
    assert form == FormData(page=1, page_size=2, filters=[("maas", "rel_o_m", "1")], str_related=True)
    assert cube_page(ROWS, form) == {"count": 3, "data": [{"id": 1, "name": "n1", "maas": 1}]}
    in_body = parse_form_data(None, {"str_relate": "1", "page": 0, "page_size": 10, "filters": []})
    assert in_body.str_related and [row["id"] for row in cube_page(ROWS, in_body)["data"]] == [5, 4, 3, 2, 1]


@pytest.mark.parametrize(
    "raw",
    ['{"page":-1}', '{"page_size":0}', "not json", '{"filters":[{"col":"id","opr":"regex","value":1}]}'],
)
def test_bad_form_data_is_refused(raw: str) -> None:
    with pytest.raises(AISpaceError):
        parse_form_data(raw, None)


def test_gateway_pages_from_one() -> None:
    page = gateway_page(ROWS, {"pageSize": 2, "pageNum": 3})
    assert page == {"size": 2, "current": 3, "total": 5, "totalPage": 3, "list": [ROWS[4]]}
    with pytest.raises(AISpaceError):
        gateway_page(ROWS, {"pageSize": 2})

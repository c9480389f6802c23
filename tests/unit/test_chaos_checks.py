"""The chaos suite's invariants (tests/chaos/checks.py) catch what they are there for: a doubled vendor job, a
minute charged twice or not at all, a terminal webhook lost or sent under two ids."""

import uuid

from tests.chaos.checks import charge_problems, vendor_job_problems, webhook_problems

JOB_ID = str(uuid.UUID(int=7))
NAME = f"sy-{uuid.UUID(int=7).hex}"


def _job(**fields) -> dict:
    return {"id": JOB_ID, "vendor": "qizhi", "status": "SUCCEEDED", "started_at": "2026-12-02T01:00:00+00:00",
            "finished_at": "2026-12-02T01:02:30+00:00", "cost": {"amount": "0.90"}, **fields}


def _usage(*rows: tuple[int, str, str], total: str | None = None) -> dict:
    items = [{"minute": m, "kind": kind, "amount": value} for m, kind, value in rows]
    return {"items": items, "total": {"amount": total or "0.90"}}


def test_one_vendor_job_per_placement_holds_and_a_second_one_is_caught():
    assert vendor_job_problems(_job(), 1, {"qizhi": [{"name": NAME}], "caip": [{"name": "sy-other"}]}) == []
    doubled = vendor_job_problems(_job(), 1, {"qizhi": [{"name": NAME}, {"name": NAME}]})
    assert any("made 2 times" in p for p in doubled)
    assert vendor_job_problems(_job(), 2, {"qizhi": [{"name": NAME}, {"name": f"{NAME}-r1"}]}) == []
    assert vendor_job_problems(_job(), 1, {"qizhi": []})  # none at all


def test_each_started_minute_is_charged_once():
    three = [(0, "charge", "0.30"), (1, "charge", "0.30"), (2, "charge", "0.30")]
    assert charge_problems(_job(), _usage(*three), runs=1) == []
    late_end = [*three, (3, "charge", "0.30"), (3, "refund", "-0.30")]
    assert charge_problems(_job(), _usage(*late_end), runs=1) == []
    assert charge_problems(_job(), _usage(*three[:2], total="0.60"), runs=1)  # a minute missing
    assert charge_problems(_job(), _usage(*three, (1, "charge", "0.30"), total="1.20"), runs=1)  # doubled
    assert charge_problems(_job(cost={"amount": "0.60"}), _usage(*three), runs=1)  # cost disagrees


def test_every_terminal_webhook_arrives_under_one_id():
    queued = {"type": "job.queued", "timestamp": "t1", "data": {"job_id": JOB_ID}}
    done = {"type": "job.succeeded", "timestamp": "t2", "data": {"job_id": JOB_ID}}
    assert webhook_problems([_job()], [("msg_1", queued), ("msg_2", done), ("msg_2", done)]) == []  # a retry
    assert webhook_problems([_job()], [("msg_1", queued)])  # the terminal one lost
    assert webhook_problems([_job()], [("msg_2", done), ("msg_3", done)])  # one event, two ids

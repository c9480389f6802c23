"""The console's pure rules: its session and CSRF tokens, a job's events as a timeline, the spend chart's and the
packages' geometry, and the new-job form read as a job spec with the API's errors put back at its fields."""

import uuid
from datetime import date

from services.gateway.console import charts, job_form, timeline
from services.gateway.console.session import OPERATOR, TENANT, Session, Signer, admin_fingerprint


def test_a_session_reads_back_only_when_signed_with_the_same_secret_and_within_its_lifetime():
    signer = Signer("a-secret-of-sixteen+", ttl_s=60)
    session = Session(TENANT, key_id=uuid.uuid4(), tenant_id=uuid.uuid4())
    cookie = signer.dump_session(session)
    assert signer.load_session(cookie) == session
    assert Signer("another-secret-sixteen", ttl_s=60).load_session(cookie) is None
    assert signer.load_session(cookie[:-2] + "xx") is None
    assert Signer("a-secret-of-sixteen+", ttl_s=-1).load_session(cookie) is None  # expired
    assert signer.load_session(None) is None


def test_an_operator_session_carries_a_fingerprint_of_the_token_not_the_token():
    signer = Signer("a-secret-of-sixteen+", ttl_s=60)
    fingerprint = admin_fingerprint("the-admin-token")
    cookie = signer.dump_session(Session(OPERATOR, admin_fingerprint=fingerprint))
    assert "the-admin-token" not in cookie
    assert signer.load_session(cookie).admin_fingerprint == fingerprint != admin_fingerprint("another-token")


def test_a_csrf_token_holds_only_for_its_own_nonce():
    signer = Signer("a-secret-of-sixteen+", ttl_s=60)
    nonce = signer.new_nonce()
    token = signer.csrf_token(nonce)
    assert signer.csrf_valid(token, nonce)
    assert not signer.csrf_valid(token, signer.new_nonce())
    assert not signer.csrf_valid(None, nonce) and not signer.csrf_valid(token, None)
    assert not signer.csrf_valid(Signer("another-secret-sixteen", 60).csrf_token(nonce), nonce)


def _event(position, at, type_="state", **fields):
    return {"position": position, "observed_at": at, "type": type_, "from_status": None, "to_status": None,
            "raw_status": None, "reason": None, "detail": None, **fields}


def test_a_timeline_orders_events_and_places_them_along_the_jobs_life():
    events = [
        _event(3, "2026-12-01T10:01:40+00:00", from_status="RUNNING", to_status="SUCCEEDED", raw_status="Completed"),
        _event(1, "2026-12-01T10:00:00+00:00", to_status="PENDING"),
        _event(2, "2026-12-01T10:00:10+00:00", "attempt",
               detail={"attempt": 1, "vendor": "modelarts", "flavor": "snt9", "outcome": "submitted"}),
        _event(4, "2026-12-01T10:01:40+00:00", "lost", raw_status="Abnormal",
               detail={"vendor": "caip", "vendor_job_id": "j-1", "cause": "gone"}),
    ]
    entries = timeline.entries(events)
    assert [e.title for e in entries] == ["new → PENDING", "Placement attempt 1", "RUNNING → SUCCEEDED",
                                          "Lost on its vendor"]
    assert [e.offset for e in entries] == [0.0, 0.1, 1.0, 1.0]
    assert entries[1].detail == "modelarts · snt9 · submitted" and entries[1].tone == timeline.GOOD
    assert "vendor status Completed" in entries[2].detail and entries[2].tone == timeline.GOOD
    assert entries[3].tone == timeline.BAD and "caip lost j-1: gone" in entries[3].detail
    assert timeline.entries([]) == []


def test_spend_is_stacked_per_day_by_vendor_within_the_last_30_days():
    charges = [{"created_at": "2026-12-02T08:00:00+00:00", "vendor": "modelarts", "amount": "2.00"},
               {"created_at": "2026-12-02T09:00:00+00:00", "vendor": "caip", "amount": "1.00"},
               {"created_at": "2026-12-01T09:00:00+00:00", "vendor": "caip", "amount": "0.50"},
               {"created_at": "2026-10-01T09:00:00+00:00", "vendor": "caip", "amount": "9.00"}]  # too old
    chart = charts.spend_by_day(charges, date(2026, 12, 2), days=30, width=300, height=100)
    assert [v for v, _ in chart.legend] == ["caip", "modelarts"]
    assert chart.max_amount == 3_000_000 and chart.total == 3_500_000
    last_day = [b for b in chart.bars if b.label.startswith("2026-12-02")]
    assert len(last_day) == 2 and sum(b.height for b in last_day) == 99.0  # the highest day fills the height
    assert last_day[1].y + last_day[1].height == last_day[0].y  # stacked, not overlapping
    assert charts.spend_by_day([], date(2026, 12, 2)).bars == []


def test_a_package_bar_is_its_remaining_part_of_what_it_granted():
    gauges = charts.package_gauges([
        {"unit": "card_hours", "granted": "10.00", "remaining": "2.50", "accelerator": "nvidia-h800"},
        {"unit": "CNY", "granted": "0.00", "remaining": "0.00", "accelerator": None}])
    assert gauges[0].fraction == 0.25 and gauges[0].text == "2.50 of 10.00 card-hours left"
    assert gauges[1].fraction == 0.0


def test_the_new_job_form_reads_as_a_job_spec():
    spec, errors = job_form.spec_from_form({
        "kind": "training", "name": " train ", "image": "img:1", "command": "python t.py", "accelerator": "cpu",
        "count": "2", "env": "A=1\n\nB=x=y", "max_runtime_s": "600", "priority": "high", "vendors": "modelarts, caip",
        "exclude_vendors": "", "max_price_per_hour": "30.00", "model": "ignored for training"})
    assert errors == {}
    assert spec == {"kind": "training", "name": "train", "image": "img:1", "command": "python t.py",
                    "resources": {"accelerator": "cpu", "count": 2}, "priority": "high", "max_runtime_s": 600,
                    "env": {"A": "1", "B": "x=y"},
                    "placement": {"vendors": ["modelarts", "caip"], "max_price_per_hour": "30.00"}}


def test_a_wrong_form_field_is_named_before_the_api_is_asked():
    _, errors = job_form.spec_from_form({"count": "two", "env": "NOEQUALS", "max_runtime_s": "1.5"})
    assert set(errors) == {"count", "env", "max_runtime_s"}


def test_the_apis_errors_go_back_to_the_forms_fields():
    problem = {"type": "invalid-job", "errors": [
        {"location": "resources.count", "message": "must be at least 1"},
        {"location": "env.bad name", "message": "invalid name"},
        {"location": "placement.max_price_per_hour", "message": "not an amount"},
        {"location": "somewhere.else", "message": "odd"}]}
    assert job_form.field_errors(problem) == {"count": "must be at least 1", "env": "invalid name",
                                              "max_price_per_hour": "not an amount", "_form": "odd"}
    assert job_form.field_errors({"detail": "cap reached"}) == {"_form": "cap reached"}


def test_a_jobs_page_follows_it_until_it_ended_half_a_minute_ago():
    from datetime import UTC, datetime, timedelta

    now = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)
    ended = {"status": "SUCCEEDED", "finished_at": (now - timedelta(seconds=29)).isoformat()}
    assert not timeline.settled(ended, now)
    assert timeline.settled(ended, now + timedelta(seconds=1))
    assert not timeline.settled({"status": "RUNNING", "finished_at": None}, now)
    assert not timeline.settled({"status": "STOPPED", "finished_at": None}, now)

"""The input types refuse what PostgreSQL or Python cannot store: NUL and lone surrogates in text (also deep in
JSON values), datetimes without a UTC value, integers past a PostgreSQL integer."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import BaseModel, ValidationError

from contracts.inputs import INT32_MAX, Int32, Json, Text, Timestamp, storable_datetime, storable_json, storable_text
from contracts.jobs import JobSpec


class Body(BaseModel):
    text: Text = "ok"
    json_: Json = None
    at: Timestamp | None = None
    count: Int32 = 0


@pytest.mark.parametrize("value", ["", "plain", "é中文", "\U0001F600", "\U000E0001", "\U0010FFFF", "\ufffd"])
def test_text_in_every_plane_is_kept(value):
    assert storable_text(value) == value
    assert Body(text=value).text == value


@pytest.mark.parametrize("value", ["\x00", "a\x00b", "\ud800", "x\udfff", "\udbff\udc00"])
def test_nul_and_lone_surrogates_are_refused(value):
    with pytest.raises(ValueError):
        storable_text(value)
    with pytest.raises(ValidationError):
        Body(text=value)


@pytest.mark.parametrize("value", [{"k": "\x00"}, {"\x00": 1}, ["ok", ["\x00"]], {"a": {"b": ["\ud800"]}},
                                   {"\ud800": "x"}, {"n": float("nan")}, [float("inf")]])
def test_json_values_are_checked_all_the_way_down(value):
    with pytest.raises(ValueError):
        storable_json(value)
    with pytest.raises(ValidationError):
        Body(json_=value)


def test_a_deeply_nested_json_value_is_walked_without_recursion():
    deep: list = ["\x00"]
    for _ in range(100_000):
        deep = [deep]
    with pytest.raises(ValueError):
        storable_json(deep)


def test_json_without_bad_text_is_kept():
    value = {"vendor": ["modelarts", {"prefix": "a"}], "n": [1, 2.5, None, True]}
    assert Body(json_=value).json_ == value


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00",
                                  "0001-01-01T00:00:00+00:01", "9999-12-31T23:59:59.999999-00:01"])
def test_times_without_a_utc_value_are_refused(text):
    with pytest.raises(ValueError):
        storable_datetime(datetime.fromisoformat(text))
    with pytest.raises(ValidationError):
        Body(at=text)


@pytest.mark.parametrize("text", ["0001-01-01T00:00:00-14:00", "9999-12-31T23:59:59+14:00",
                                  "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999999Z"])
def test_times_at_the_edges_that_fit_are_kept_in_utc(text):
    at = Body(at=text).at
    assert at == datetime.fromisoformat(text) and at.utcoffset() == timedelta(0)


def test_a_naive_time_is_left_to_the_caller():
    assert storable_datetime(datetime(1, 1, 1)) == datetime(1, 1, 1)
    assert storable_datetime(datetime(2026, 1, 1, tzinfo=timezone(timedelta(hours=8)))) == datetime(
        2025, 12, 31, 16, tzinfo=UTC)


@pytest.mark.parametrize("value", [INT32_MAX + 1, -INT32_MAX - 2, 2**63])
def test_integers_past_int32_are_refused(value):
    with pytest.raises(ValidationError):
        Body(count=value)


def test_int32_bounds_are_kept():
    assert Body(count=INT32_MAX).count == INT32_MAX and Body(count=-INT32_MAX - 1).count == -INT32_MAX - 1


SPEC = {"kind": "training", "name": "n", "image": "i", "command": "c",
        "resources": {"accelerator": "ascend-910b", "count": 1}}


@pytest.mark.parametrize("change", [
    {"name": "a\x00"}, {"image": "\x00"}, {"command": "run\x00"}, {"env": {"K": "v\x00"}}, {"env": {"K\x00": "v"}},
    {"env": {"K": "\ud800"}}, {"placement": {"vendors": ["modelarts\x00"]}},
    {"placement": {"exclude_vendors": ["\x00"]}},
])
def test_a_job_spec_with_text_postgresql_cannot_store_is_refused(change):
    with pytest.raises(ValidationError):
        JobSpec.model_validate(SPEC | change)


def test_a_job_spec_with_text_from_every_plane_is_accepted():
    spec = JobSpec.model_validate(SPEC | {"name": "训练\U0001F680", "env": {"K": "\U000E0001\U0010FFFF"}})
    assert spec.name == "训练\U0001F680"

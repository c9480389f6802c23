from datetime import UTC, datetime

import pytest
from pydantic import TypeAdapter, ValidationError

from services.gateway.written_time import WrittenTimestamp, refuse_epoch_number

adapter = TypeAdapter(WrittenTimestamp)


@pytest.mark.parametrize("value", [0, 1700000000, 0.5, "0.5", "1700000000", " 17 ", "-1", "1e9", ".5", True])
def test_a_number_is_not_a_time(value):
    with pytest.raises(ValidationError, match="ISO 8601"):
        adapter.validate_python(value)


def test_an_iso_time_is_read_in_utc():
    assert adapter.validate_python("2026-11-30T14:00:00+02:00") == datetime(2026, 11, 30, 12, tzinfo=UTC)


def test_text_that_is_no_number_is_left_to_the_datetime_parser():
    assert refuse_epoch_number("2026-11-30") == "2026-11-30"
    with pytest.raises(ValidationError):
        adapter.validate_python("yesterday")


def test_the_schema_is_still_a_date_time():
    assert adapter.json_schema() == {"format": "date-time", "type": "string"}

"""The rater's reading of a usage batch: every readable minute, in order, one bad record left out."""

import uuid
from datetime import UTC, datetime

from aiokafka.structs import ConsumerRecord

from contracts.billing import UsageMinute
from services.billing import usage_records

TYPE = [("ce_type", UsageMinute.TYPE.encode())]


def record(value: bytes | None, headers=TYPE, offset: int = 0) -> ConsumerRecord:
    return ConsumerRecord(topic="usage", partition=0, offset=offset, timestamp=0, timestamp_type=0, key=b"k",
                          value=value, checksum=None, serialized_key_size=1,
                          serialized_value_size=len(value or b""), headers=headers)


def minute(k: int) -> UsageMinute:
    return UsageMinute(job_id=uuid.uuid4(), tenant_id=uuid.uuid4(), minute=k, minute_at=datetime.now(UTC))


def test_a_batch_reads_every_minute_in_order():
    minutes = [minute(k) for k in range(5)]
    records = [record(m.model_dump_json().encode(), offset=i) for i, m in enumerate(minutes)]
    assert usage_records.read(records, group="g") == minutes


def test_an_unreadable_record_is_left_out_and_the_rest_of_its_batch_read():
    good = [minute(k) for k in range(3)]
    records = [record(good[0].model_dump_json().encode()), record(b'{"minute": -1}'), record(b"not json"),
               record(None), record(good[1].model_dump_json().encode()), record(good[2].model_dump_json().encode())]
    assert usage_records.read(records, group="g") == good


def test_records_of_another_type_are_not_read():
    m = minute(0)
    other = record(b'{"anything": 1}', headers=[("ce_type", b"switchyard.something.else.v1")])
    assert usage_records.read([other, record(m.model_dump_json().encode())], group="g") == [m]

"""The usage stream's records as the rater reads them: the batch's UsageMinute payloads, validated in one
call; an unreadable record is logged and left out, and the rest of its batch is booked."""

from collections.abc import Sequence

from aiokafka.structs import ConsumerRecord
from pydantic import TypeAdapter, ValidationError

from contracts.billing import BILLING_USAGE, UsageMinute
from services.common.logs import log

USAGE_TYPE_HEADER = ("ce_type", UsageMinute.TYPE.encode())
_BATCH = TypeAdapter(list[UsageMinute])


def read(records: Sequence[ConsumerRecord], *, group: str) -> list[UsageMinute]:
    """The usage minutes of `records`, in order. Only the payload is parsed (the type is in a header;
    billing writes nothing else on this topic). One validation over the whole batch; when it fails,
    one record at a time, so only the unreadable ones are dropped."""
    bodies = [record.value for record in records if USAGE_TYPE_HEADER in record.headers]
    try:
        return _BATCH.validate_json(b"[" + b",".join(bodies) + b"]")
    except (ValidationError, TypeError):  # TypeError: a record without a body
        pass
    minutes = []
    for body in bodies:
        try:
            minutes.append(UsageMinute.model_validate_json(body or b""))
        except ValidationError as exc:
            log.error("consumer.unreadable_message", topic=BILLING_USAGE, group=group, error=str(exc))
    return minutes

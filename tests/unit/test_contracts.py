import uuid
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from contracts.events import Envelope, JobRequested, JobStateChanged, UnknownEventType
from contracts.jobs import JobSpec
from contracts.status import JobStatus

SPEC = {"kind": "training", "name": "n", "image": "img", "command": "run",
        "resources": {"accelerator": "ascend-910b", "count": 1}}


def test_envelope_round_trips_through_kafka_headers_and_body():
    event = JobRequested(job_id=uuid.uuid4(), tenant_id=uuid.uuid4(), spec=JobSpec(**SPEC),
                         requested_at=datetime.now(UTC))
    envelope = Envelope(source="switchyard/test", data=event, traceparent="00-" + "1" * 32 + "-" + "2" * 16 + "-01")
    headers = envelope.kafka_headers()
    assert headers["ce_type"] == "switchyard.job.requested.v1"
    assert headers["ce_specversion"] == "1.0"
    assert headers["ce_subject"] == str(event.job_id)
    assert headers["ce_tenantid"] == str(event.tenant_id)
    assert headers["traceparent"] == envelope.traceparent
    assert Envelope.from_kafka(headers, envelope.kafka_body()) == envelope


def test_unknown_event_type_is_refused():
    with pytest.raises(UnknownEventType):
        Envelope.from_kafka({"ce_type": "switchyard.nope.v1"}, b"{}")


def test_job_spec_refuses_unknown_fields_and_bad_values():
    with pytest.raises(ValidationError):
        JobSpec(**SPEC, gpus=4)
    with pytest.raises(ValidationError):
        JobSpec(**{**SPEC, "resources": {"accelerator": "Ascend 910B", "count": 1}})
    with pytest.raises(ValidationError):
        JobSpec(**{**SPEC, "max_runtime_s": 5})


def test_state_changed_sequence_starts_at_one():
    with pytest.raises(ValidationError):
        JobStateChanged(job_id=uuid.uuid4(), tenant_id=uuid.uuid4(), vendor="v", vendor_job_id="x",
                        from_status=JobStatus.PENDING, to_status=JobStatus.QUEUED, raw_status="Creating",
                        vendor_time=None, observed_at=datetime.now(UTC), sequence=0)


def test_terminal_statuses():
    assert {s for s in JobStatus if s.is_terminal} == {JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.STOPPED}


def test_training_needs_a_command_but_a_notebook_does_not():
    with pytest.raises(ValidationError, match="needs a command"):
        JobSpec(**{**SPEC, "command": None})
    notebook = JobSpec(**{**SPEC, "kind": "notebook", "command": None, "storage_gb": 50})
    assert notebook.storage_gb == 50


@pytest.mark.parametrize("kind,field,value", [
    ("training", "storage_gb", 5), ("training", "replicas", 2), ("notebook", "task", "sft"),
    ("inference", "storage_gb", 5), ("notebook", "model", "m"),
])
def test_kind_specific_fields_are_refused_on_other_kinds(kind, field, value):
    with pytest.raises(ValidationError, match="do not apply"):
        JobSpec(**{**SPEC, "kind": kind, field: value})


def test_fine_tuning_is_a_training_job_with_a_task():
    assert JobSpec(**SPEC, task="sft").task == "sft"
    with pytest.raises(ValidationError):
        JobSpec(**SPEC, task="finetune")

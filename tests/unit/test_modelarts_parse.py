"""ModelArts request bodies and answer parsing, as plain functions."""

import base64
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from contracts.status import JobStatus
from services.vendors.base import SubmitRequest
from services.vendors.errors import InvalidRequest
from services.vendors.modelarts.catalog import is_billed_notebook_flavor, parse_notebook_flavor, parse_service_spec
from services.vendors.modelarts.wire import notebook_body, parse_notebook, parse_service, parse_training_job, service_body, training_body


def _request(kind: str, **fields: object) -> SubmitRequest:
    values: dict = {"name": "sy-0123", "kind": kind, "image": "swr.cn-north-4.myhuaweicloud.com/t/img:1",
                    "command": None, "env": {}, "flavor_id": "flavor"} | fields
    return SubmitRequest(**values)


def _at(epoch_ms: int) -> datetime:
    return datetime.fromtimestamp(epoch_ms / 1000, UTC)


# --------------------------------------------------------------------------- bodies


def test_training_body_rounds_max_runtime_up_to_hours() -> None:
    body = training_body(_request("training", command="python t.py", env={"A": "1"}, max_runtime_s=3601))
    assert body["spec"]["auto_stop"] == {"time_unit": "HOURS", "duration": 2}
    assert body["algorithm"] == {"engine": {"image_url": "swr.cn-north-4.myhuaweicloud.com/t/img:1"},
                                 "command": "python t.py", "environments": {"A": "1"}}


def test_notebook_body_maps_storage_lease_and_command() -> None:
    body = notebook_body(_request("notebook", storage_gb=40, max_runtime_s=7200, command="jupyter lab"), "img-id")
    assert body["volume"] == {"category": "EVS", "ownership": "MANAGED", "capacity": 40}
    assert body["lease"] == {"duration": 7_200_000, "type": "timing"}  # milliseconds
    assert (body["image_id"], body["flavor"], body["feature"]) == ("img-id", "flavor", "NOTEBOOK")
    hook = body["hooks"]["container_hooks"]["post_start"]
    assert hook["type"] == "COMMAND" and base64.b64decode(hook["script"]) == b"jupyter lab"


def test_notebook_body_defaults() -> None:
    body = notebook_body(_request("notebook"), "img-id")
    assert body["volume"]["capacity"] == 5  # [DOC] EVS default
    assert "lease" not in body and "hooks" not in body


def test_service_body_maps_replicas_model_env_and_schedule() -> None:
    body = service_body(_request("inference", replicas=3, model="model-uuid", env={"K": "v"}, max_runtime_s=90))
    assert body["infer_type"] == "real-time" and body["service_name"] == "sy-0123"
    assert body["config"] == [{"model_id": "model-uuid", "specification": "flavor", "instance_count": 3,
                               "weight": 100, "envs": {"K": "v"}}]
    assert body["schedule"] == [{"type": "stop", "time_unit": "MINUTES", "duration": 2}]
    with pytest.raises(InvalidRequest):
        service_body(_request("inference"))


# --------------------------------------------------------------------------- jobs


def test_training_job_end_is_start_plus_duration() -> None:
    job = parse_training_job({
        "metadata": {"id": "j1", "name": "n", "create_time": 1_000},
        "status": {"phase": "Completed", "secondary_phase": "Completed", "start_time": 2_000, "duration": 60_000},
    })
    assert (job.kind, job.status, job.reason) == ("training", JobStatus.SUCCEEDED, None)
    assert (job.started_at, job.finished_at) == (_at(2_000), _at(62_000))


@pytest.mark.parametrize("phase, secondary, infrastructure", [
    ("Abnormal", "CreateFailed", True),   # the vendor could not create it
    ("Abnormal", "Lost", True),
    ("Failed", "Lost", True),            # a lost node, whatever the primary phase says
    ("Failed", "Failed", False),         # the job's own failure (non-zero exit): never placed again
    ("Completed", "Completed", False),
])
def test_a_training_failure_on_the_vendors_side_is_marked(phase, secondary, infrastructure) -> None:
    job = parse_training_job({"metadata": {"id": "j1", "name": "n"},
                              "status": {"phase": phase, "secondary_phase": secondary}})
    assert job.infrastructure_failure is infrastructure


def _notebook(status: str, **fields: object) -> dict:
    return {"id": "nb1", "name": "sy-0123", "status": status, "create_at": 1_000, "update_at": 5_000,
            "lease": {"create_at": 1_000, "duration": 3_600_000, "enable": True, "type": "TIMING"}} | fields


def test_running_notebook_started_when_it_last_changed() -> None:
    job = parse_notebook(_notebook("RUNNING"))
    assert (job.kind, job.status, job.raw_status) == ("notebook", JobStatus.RUNNING, "RUNNING")
    assert (job.created_at, job.started_at, job.finished_at) == (_at(1_000), _at(5_000), None)


def test_stopped_notebook_ended_when_it_last_changed_and_says_why() -> None:
    by_lease = parse_notebook(_notebook("STOPPED", update_at=3_601_000))
    assert (by_lease.status, by_lease.finished_at) == (JobStatus.STOPPED, _at(3_601_000))
    assert by_lease.reason is not None and "lease ran out" in by_lease.reason
    by_us = parse_notebook(_notebook("STOPPED", update_at=60_000))
    assert by_us.reason is None and by_us.started_at is None
    failed = parse_notebook(_notebook("CREATE_FAILED", fail_reason="no image"))
    assert (failed.status, failed.reason) == (JobStatus.FAILED, "CREATE_FAILED: no image")
    unknown = parse_notebook(_notebook("HIBERNATING"))
    assert unknown.status is None and unknown.finished_at is None


def test_service_times_come_from_transition_at() -> None:
    item = {"service_id": "s1", "service_name": "sy-0123", "status": "running", "publish_at": 1_000,
            "transition_at": 4_000}
    running = parse_service(item)
    assert (running.kind, running.status, running.started_at, running.created_at) == (
        "inference", JobStatus.RUNNING, _at(4_000), _at(1_000))
    concerning = parse_service(item | {"status": "concerning"})
    assert concerning.status is JobStatus.RUNNING and concerning.started_at is None
    stopped = parse_service(item | {"status": "stopped", "transition_at": 9_000})
    assert (stopped.status, stopped.finished_at) == (JobStatus.STOPPED, _at(9_000))
    failed = parse_service(item | {"status": "failed", "error_msg": "boom"})
    assert (failed.status, failed.reason) == (JobStatus.FAILED, "failed: boom")


# --------------------------------------------------------------------------- flavors


def test_notebook_flavor_memory_is_kib_and_sold_out_is_unavailable() -> None:
    item = {"id": "modelarts.bm.snt9.xlarge.2", "category": "ASCEND", "vcpus": 48, "memory": 201326592,
            "ascend": {"npu": 2, "npu_memory": "32", "type": "ascend-snt9"}, "sold_out": True, "free": False,
            "feature": "NOTEBOOK"}
    flavor = parse_notebook_flavor(item, Decimal("36.00"))
    assert (flavor.kind, flavor.accelerator, flavor.count, flavor.cpu, flavor.memory_gb) == (
        "notebook", "ascend-910b", 2, 48, 192)
    assert (flavor.price_per_hour, flavor.available) == (36_000_000, False)
    assert is_billed_notebook_flavor(item)
    assert not is_billed_notebook_flavor(item | {"free": True, "feature": "DEFAULT"})


def test_service_spec_is_usable_only_when_open_and_in_stock() -> None:
    item = {"specification": "modelarts.vm.gpu.pnt004", "category": "GPU", "cpu_info": {"arch": "x86", "cpu": 8.0},
            "memory_info": {"unit": "GB", "memory": 32}, "gpu_info": {"brand": "NVIDIA", "version": "Pnt004",
                                                                      "gpu": 1.0, "memory": 16},
            "npu_info": {"npu": 0}, "is_open": True, "spec_status": "normal", "over_quota": False}
    spec = parse_service_spec(item, Decimal("7.2"))
    assert (spec.kind, spec.accelerator, spec.count, spec.cpu, spec.memory_gb, spec.price_per_hour) == (
        "inference", "nvidia-p4", 1, 8, 32, 7_200_000)
    assert spec.available
    for closed in ({"is_open": False}, {"spec_status": "sellout"}, {"over_quota": True}):
        assert not parse_service_spec(item | closed, Decimal("7.2")).available

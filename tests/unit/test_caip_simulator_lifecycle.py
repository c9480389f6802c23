"""The CAIP simulator's rules: pod counts -> phases, and the lazily replayed replica scheduler."""

import pytest

from services.vendorsim.caip.config import CaipSimConfig
from services.vendorsim.caip.flavors import Flavors, default_flavor_id
from services.vendorsim.caip.jobs import Jobs
from services.vendorsim.caip.lifecycle import PodCounts, job_phase, sub_job_phase
from services.vendorsim.caip.volumes import Volumes

MLU370 = default_flavor_id("mlu370-x1")


@pytest.mark.parametrize(
    ("counts", "stop", "delete", "phase"),
    [
        (PodCounts(pending=2), False, False, "Pending"),
        (PodCounts(running=1, pending=1), False, False, "Pending"),  # the gang is not complete
        (PodCounts(running=2), False, False, "Running"),
        (PodCounts(succeeded=2), False, False, "Completed"),
        (PodCounts(failed=1, succeeded=1), False, False, "Failed"),
        (PodCounts(terminating=2), True, False, "Aborting"),
        (PodCounts(), True, False, "Aborted"),
        (PodCounts(terminating=2), False, True, "Terminating"),
        (PodCounts(), False, True, "Terminating"),
        (PodCounts(unknown=2), False, False, "Unknown"),
    ],
)
def test_sub_job_phase_from_pod_counts(counts: PodCounts, stop: bool, delete: bool, phase: str) -> None:
    assert sub_job_phase(counts, 2, stop_requested=stop, deleting=delete) == phase


@pytest.mark.parametrize(
    ("subs", "deleting", "phase"),
    [
        (["Pending", "Completed"], False, "Pending"),
        (["Pending", "Running", "Aborting"], False, "Running"),
        (["Aborting", "Aborted"], False, "Aborting"),
        (["Completed", "Completed"], False, "Completed"),
        (["Completed", "Failed", "Aborted"], False, "Failed"),
        (["Completed", "Aborted"], False, "Aborted"),
        (["Completed", "Terminated"], False, "Terminated"),
        ([], False, "Terminated"),
        (["Running"], True, "Terminating"),
    ],
)
def test_job_phase_aggregates_sub_jobs(subs: list[str], deleting: bool, phase: str) -> None:
    assert job_phase(subs, deleting=deleting) == phase


def _jobs(**overrides) -> Jobs:
    config = CaipSimConfig(pending_s=1.0, aborting_s=2.0, flavor_replicas=1, **overrides)
    return Jobs(config, Flavors(config), Volumes(config, "user"), "user")


def _body(name: str, run_s: str) -> dict:
    spec = {"image": "img", "workerCount": 1, "flavorIDs": [MLU370], "command": ["true"],
            "env": [{"name": "SWITCHYARD_SIM_RUN_SECONDS", "value": run_s}]}  # fmt: skip
    return {"metadata": {"name": name}, "spec": spec}


def _state(jobs: Jobs, namespace: str, job_uid: str, now: float) -> tuple[str, int]:
    view = jobs.view(jobs.get(namespace, job_uid, now), now)
    return view["status"], view["spec"]["flavorInfos"][0]["freeReplicas"]


def test_one_late_look_replays_every_start_and_end_in_order() -> None:
    jobs = _jobs()
    ns = CaipSimConfig().namespace
    first = jobs.create(ns, _body("first", "10"), 0.0, lambda _: False)
    second = jobs.create(ns, _body("second", "10"), 0.5, lambda _: False)
    third = jobs.create(ns, _body("third", "10"), 0.6, lambda _: False)
    # Nobody looked until t=25: first ran 1-11, second 11-21, third from 21.
    phases = [_state(jobs, ns, job.uid, 25.0)[0] for job in (first, second, third)]
    assert phases == ["Completed", "Completed", "Running"]
    third_sub = jobs.sub_job(ns, third.sub_uids[0], 25.0)
    assert third_sub.start_at == 21.0 and third_sub.release_at == 31.0


def test_looking_often_or_once_gives_the_same_history() -> None:
    def run(looks: list[float]) -> list[tuple[str, int]]:
        jobs = _jobs()
        ns = CaipSimConfig().namespace
        a = jobs.create(ns, _body("a", "3"), 0.0, lambda _: False)
        b = jobs.create(ns, _body("b", "3"), 0.0, lambda _: False)
        for t in looks:
            _state(jobs, ns, a.uid, t)
        return [_state(jobs, ns, job.uid, 5.0) for job in (a, b)]

    assert run([]) == run([0.5, 1.0, 2.0, 3.99, 4.0, 4.5]) == [("Completed", 0), ("Running", 0)]


def test_a_stop_frees_the_replica_after_the_pods_terminate() -> None:
    jobs = _jobs()
    ns = CaipSimConfig().namespace
    a = jobs.create(ns, _body("a", "100"), 0.0, lambda _: False)
    b = jobs.create(ns, _body("b", "100"), 0.0, lambda _: False)
    assert _state(jobs, ns, a.uid, 2.0) == ("Running", 0)
    jobs.stop_sub_job(ns, a.sub_uids[0], 2.0)
    assert _state(jobs, ns, a.uid, 3.9) == ("Aborting", 0)
    assert _state(jobs, ns, b.uid, 3.9) == ("Pending", 0)
    assert _state(jobs, ns, a.uid, 4.0) == ("Aborted", 0)  # b took the replica at once
    assert _state(jobs, ns, b.uid, 4.0) == ("Running", 0)

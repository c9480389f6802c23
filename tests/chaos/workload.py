"""The chaos workload: training jobs on all four vendors (each accelerator is offered by one vendor only), most
running a few minutes to success, one per vendor failing on its vendor and one per vendor cancelled mid-run."""

from dataclasses import dataclass

from tests.e2e import test_caip, test_qizhi, test_walking_skeleton

TERMINAL = ("SUCCEEDED", "FAILED", "STOPPED")
# AI Space runs only what its starting packages hold at once (two 1-card H800 nodes), so it gets fewer,
# shorter jobs; the other simulators are started with room for all of theirs.
JOBS_PER_VENDOR = {"modelarts": 14, "caip": 14, "qizhi": 14, "aispace": 5}
RUN_SECONDS = {"modelarts": (90, 180), "caip": (90, 180), "qizhi": (90, 180), "aispace": (60, 80)}
FAILING_RUN_S = 40
CANCELLED_RUN_S = 1800  # runs until it is cancelled


def _aispace(name: str, **env: str) -> dict:
    return {"kind": "training", "name": name, "image": "image.ccos.io/iaas_pub/pytorch:2.1",
            "command": "python train.py", "resources": {"accelerator": "nvidia-h800", "count": 1}, "env": env}


SPECS = {"modelarts": test_walking_skeleton.training, "caip": test_caip.training, "qizhi": test_qizhi.training,
         "aispace": _aispace}


@dataclass(frozen=True)
class PlannedJob:
    vendor: str
    name: str
    outcome: str  # what it must end as: SUCCEEDED, FAILED (on its vendor) or STOPPED (cancelled)
    spec: dict


def plan(jobs_per_vendor: dict[str, int] = JOBS_PER_VENDOR, run_seconds: dict[str, tuple[int, int]] = RUN_SECONDS,
         prefix: str = "chaos") -> list[PlannedJob]:
    """Per vendor: its first job fails, its second runs until cancelled, the others succeed after a run spread over
    the vendor's range of seconds (the cluster test plans more jobs with the same shape)."""
    jobs = []
    for vendor, count in jobs_per_vendor.items():
        low, high = run_seconds[vendor]
        for i in range(count):
            name = f"{prefix}-{vendor}-{i}"
            if i == 0:
                env = {"SWITCHYARD_SIM_RUN_SECONDS": str(FAILING_RUN_S), "SWITCHYARD_SIM_OUTCOME": "failed"}
                outcome = "FAILED"
            elif i == 1:
                env, outcome = {"SWITCHYARD_SIM_RUN_SECONDS": str(CANCELLED_RUN_S)}, "STOPPED"
            else:  # spread over [low, high], so jobs end before, between and after the faults
                env = {"SWITCHYARD_SIM_RUN_SECONDS": str(low + (high - low) * (i - 2) // max(1, count - 3))}
                outcome = "SUCCEEDED"
            jobs.append(PlannedJob(vendor, name, outcome, SPECS[vendor](name, **env)))
    return jobs

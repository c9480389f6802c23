"""How the CAIP simulator names a job's state: pod counts -> sub-job phase -> batch job status.

The document gives no status vocabulary, only the sub-job's `TrainingJobStatus` pod counters
(`pending, running, succeeded, failed, terminating, unknown, minAvailable, retryCount, version`),
which are exactly Volcano's `batch.volcano.sh` Job status. So [INFER] the strings are Volcano job
phases, as the digest proposes (§4):

| sub-job situation (counts, flags)                     | phase       |
|-------------------------------------------------------|-------------|
| being deleted (deletionTimestamp set)                 | Terminating |
| stop requested, pods still running or terminating     | Aborting    |
| stop requested, no pod left                           | Aborted     |
| failed > 0                                            | Failed      |
| succeeded >= minAvailable                             | Completed   |
| running >= minAvailable                               | Running     |
| pending > 0 (or some running, gang not complete)      | Pending     |
| anything else                                         | Unknown     |

A batch job's `status` (and `info.overview`) aggregates its sub-jobs (`job_phase`).
"""

from collections.abc import Sequence
from dataclasses import dataclass

TERMINAL_PHASES = frozenset({"Completed", "Failed", "Aborted", "Terminated"})


@dataclass(frozen=True)
class PodCounts:
    pending: int = 0
    running: int = 0
    succeeded: int = 0
    failed: int = 0
    terminating: int = 0
    unknown: int = 0


def sub_job_phase(counts: PodCounts, min_available: int, *, stop_requested: bool, deleting: bool) -> str:
    """The Volcano phase of one sub-job, derived from its pod counts (table above)."""
    if deleting:
        return "Terminating"
    if stop_requested:
        return "Aborting" if counts.running or counts.terminating else "Aborted"
    if counts.failed:
        return "Failed"
    if counts.succeeded >= min_available:
        return "Completed"
    if counts.running >= min_available:
        return "Running"
    if counts.pending or counts.running:
        return "Pending"
    return "Unknown"


def job_phase(sub_phases: Sequence[str], *, deleting: bool) -> str:
    """The batch job's status: Running while any sub-job runs; when all have ended, Failed if any
    failed, Completed if all completed, else Aborted (or Terminated when only deletions ended them)."""
    if deleting:
        return "Terminating"
    active = [phase for phase in sub_phases if phase not in TERMINAL_PHASES]
    if active:
        for phase in ("Running", "Aborting", "Terminating"):
            if phase in active:
                return phase
        return "Pending"
    if not sub_phases:
        return "Terminated"  # every sub-job was deleted
    if "Failed" in sub_phases:
        return "Failed"
    if all(phase == "Completed" for phase in sub_phases):
        return "Completed"
    return "Aborted" if "Aborted" in sub_phases else "Terminated"

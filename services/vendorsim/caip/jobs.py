"""Batch training jobs (训练任务), their sub-jobs (子训练任务), and the scheduler that gives sub-jobs
flavor replicas.

State never moves in the background: every call first replays the scheduler up to "now"
(`Jobs.advance`), so what a client sees is deterministic for a sequence of calls and never moves
backwards. A sub-job is a gang of `workerCount + masterCount` pods; it waits (Pending) at least
`pending_s`, and until the first of its `flavorIDs` with enough free replicas has room (that
index becomes `status.flavorIndex`); higher `priorityClassName` first, then oldest first; a
smaller job may start ahead of a bigger one that does not fit yet. It runs `run_s` (or its
steering), then Completed or Failed. `POST .../stop`: Aborting for `aborting_s` while its pods
terminate, then Aborted. DELETE: Terminating for `terminating_s`, then gone. Phases come from
pod counts (`lifecycle.py`).
"""

import heapq
import math
import re
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from services.vendorsim.caip.config import CaipSimConfig
from services.vendorsim.caip.errors import CaipError, invalid, no_capacity, not_found
from services.vendorsim.caip.flavors import Flavors, SimFlavor
from services.vendorsim.caip.lifecycle import TERMINAL_PHASES, PodCounts, job_phase, sub_job_phase
from services.vendorsim.caip.listing import QueryArgs, envelope, page, rfc3339, sort_items
from services.vendorsim.caip.volumes import Volumes, parse_labels
from services.vendorsim.steering import Outcome, SteeringError, parse_steering
from services.vendorsim.walks import Walks

PRIORITY_CLASSES = {"train-job-priority-1": 1, "train-job-priority-3": 3, "train-job-priority-11": 11}
DEFAULT_PRIORITY_CLASS = "train-job-priority-1"
TRAINING_TYPES = ("batch", "normal", "experiment")
COMMUN_TYPES = ("horovod", "tensorflow", "pytorch", "standalone")
# VolumeSource lists of a job spec that point at this namespace's training volumes.
VOLUME_FIELDS = {
    "algorithmVolumes": "algorithm",
    "sampleVolumes": "dataset",
    "modelVolumes": "savedmodel",
    "inputModelVolumes": "savedmodel",
    "pretrainVolumes": "savedmodel",
}
_READ_ONLY_SPEC_FIELDS = ("flavorInfos", "flavorInfo")
# [INFER] sub-jobs are Kubernetes (Volcano) objects named `<job>-<index>`: a DNS-1123 label.
_NAME_RE = re.compile(r"^[a-z0-9]([-a-z0-9]{0,48}[a-z0-9])?$")
_ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass
class SubJob:
    uid: str
    name: str
    seq: int
    job_uid: str
    namespace: str
    priority: int
    env: dict[str, str]
    worker_count: int
    master_count: int
    flavor_ids: tuple[str, ...]
    master_flavor_id: str | None
    run_s: float
    outcome: Outcome
    created_at: float
    ready_at: float  # earliest moment it may take replicas
    start_at: float | None = None
    flavor_index: int | None = None
    end_at: float | None = None  # when it ends by itself
    release_at: float | None = None  # when its replicas are free again
    stop_at: float | None = None
    delete_at: float | None = None

    @property
    def pods(self) -> int:
        return self.worker_count + self.master_count

    def demand(self, flavor_id: str) -> Counter[str]:
        """Replicas per flavor when the workers run on `flavor_id`."""
        demand = Counter({flavor_id: self.worker_count})
        demand[self.master_flavor_id or flavor_id] += self.master_count
        return +demand

    def held(self) -> Counter[str]:
        """Replicas per flavor once started (on the flavor it was given)."""
        return Counter() if self.flavor_index is None else self.demand(self.flavor_ids[self.flavor_index])

    def holds(self, t: float) -> bool:
        return self.start_at is not None and self.release_at is not None and self.start_at <= t < self.release_at

    def timeline(self) -> list[tuple[float, PodCounts, bool, bool]]:
        """Every observable state as (since, pod counts, stop requested, being deleted)."""
        pods = self.pods
        points: list[tuple[float, PodCounts, bool, bool]] = [(self.created_at, PodCounts(pending=pods), False, False)]
        if self.start_at is not None:
            points.append((self.start_at, PodCounts(running=pods), False, False))
        if self.stop_at is not None:  # only ever set before the sub-job ended by itself
            if self.start_at is not None:
                assert self.release_at is not None
                points.append((self.stop_at, PodCounts(terminating=pods), True, False))
                points.append((self.release_at, PodCounts(), True, False))
            else:
                points.append((self.stop_at, PodCounts(), True, False))
        elif self.end_at is not None:
            done = PodCounts(succeeded=pods) if self.outcome is Outcome.SUCCEEDED else PodCounts(failed=pods)
            points.append((self.end_at, done, False, False))
        if self.delete_at is not None:
            points = [point for point in points if point[0] < self.delete_at]
            if self.holds(self.delete_at):
                assert self.release_at is not None
                points.append((self.delete_at, PodCounts(terminating=pods), False, True))
                points.append((self.release_at, PodCounts(), False, True))
            else:
                points.append((self.delete_at, PodCounts(), False, True))
        return points

    def phase(self, now: float) -> str:
        """`state(now)[0]`, without building the timeline for a sub-job never stopped nor deleted."""
        if self.stop_at is not None or self.delete_at is not None or not self.pods:
            return self.state(now)[0]
        if self.start_at is None or now < self.start_at:
            return "Pending"
        if self.end_at is None or now < self.end_at:
            return "Running"
        return "Completed" if self.outcome is Outcome.SUCCEEDED else "Failed"

    def state(self, now: float) -> tuple[str, PodCounts, int]:
        """(phase, pod counts, version) at `now`; the version counts the changes so far."""
        points = [point for point in self.timeline() if point[0] <= now]
        _, counts, stop_requested, deleting = points[-1]
        phase = sub_job_phase(counts, self.pods, stop_requested=stop_requested, deleting=deleting)
        return phase, counts, len(points)


@dataclass
class Job:
    uid: str
    seq: int
    name: str
    namespace: str
    created_at: float
    labels: list[dict[str, Any]]
    training_type: str
    commun_type: str
    priority_class: str
    spec: dict[str, Any]  # the request's spec, volume names filled in, read-only fields dropped
    user_id: str
    username: str
    sub_uids: list[str] = field(default_factory=list)
    delete_at: float | None = None


class Jobs:
    def __init__(self, config: CaipSimConfig, flavors: Flavors, volumes: Volumes, user_id: str) -> None:
        self._config = config
        self._flavors = flavors
        self._volumes = volumes
        self._user_id = user_id
        self._jobs: dict[str, Job] = {}
        # (namespace, name) -> the newest job of that name: the duplicate check without a scan. Older jobs of
        # the name were out of sight (deleted and terminated) when it was created, and stay so.
        self._newest_by_name: dict[tuple[str, str], Job] = {}
        # uid -> lower-cased name, so a listing by (part of) a name, as every submit's look-up is, tests
        # the name of each job first, in one cheap comprehension, and the other filters only on its matches.
        self._lower_names: dict[str, str] = {}
        self._subs: dict[str, SubJob] = {}
        # Sub-jobs waiting for replicas, in two parts, so a call costs nothing per sub-job still in its pending
        # time: `_ready` were ready by the cursor (and did not fit), `_pending` is a heap of (ready_at, seq, sub)
        # of the others. An entry whose sub-job stopped waiting, or whose ready_at moved, is skipped when popped.
        self._ready: list[SubJob] = []
        self._pending: list[tuple[float, int, SubJob]] = []
        self._holding: list[SubJob] = []  # started, replicas not yet released at the cursor
        self._cursor = float("-inf")
        self._seq = 0
        # Bookkeeping that keeps a call's cost from growing with the square of the jobs (thousands of
        # sub-jobs): replicas held by `_holding` per flavor (an upper bound of what is held at any
        # t >= cursor), the earliest release among them, and the exact use at one moment, cached
        # until the next start or release change (`_version`).
        self._held_upper: Counter[str] = Counter()
        self._next_release = float("inf")
        self._version = 0
        self._used_key: tuple[float, int] | None = None
        self._used: Counter[str] = Counter()
        self._dirty = False  # a sub-job was added, stopped, deleted or reprioritized since the last replay
        # Each job's phase, the moment it was computed and the next moment it could change by itself
        # (a start, stop or deletion drops the entry), so a listing does not rebuild every phase per page.
        self._phases: dict[str, tuple[str, float, float]] = {}
        self._walks: Walks[tuple[int, list[str], list[Job]]] = Walks()  # a listing's order, taken at its first page

    # ------------------------------------------------------------------ scheduler

    def advance(self, now: float) -> None:
        """Replay the scheduler from the last call to `now`, event by event (sub-jobs becoming ready,
        replicas coming free), in time order."""
        if now <= self._cursor and not self._dirty:
            return  # already replayed to `now`, and nothing was created, stopped or deleted since
        self._dirty = False
        events: list[float] = []  # replicas coming free in (cursor, now]; `_next_release` bounds them from below
        if self._next_release <= now:
            events = [sub.release_at for sub in self._holding
                      if sub.release_at is not None and self._cursor < sub.release_at <= now]
            heapq.heapify(events)
        ready = self._ready  # waiting sub-jobs whose ready_at has passed at the cursor
        pending = self._pending
        while True:
            self._prune()
            while pending and pending[0][0] <= self._cursor:
                ready_at, _, sub = heapq.heappop(pending)
                if ready_at == sub.ready_at and _waits(sub):
                    ready.append(sub)
            ready = self._start_fitting(self._cursor, ready, events, now)
            while events and events[0] <= self._cursor:
                heapq.heappop(events)
            while pending and not (pending[0][0] == pending[0][2].ready_at and _waits(pending[0][2])):
                heapq.heappop(pending)  # stale: not an event
            following = min(events[0] if events else math.inf, pending[0][0] if pending else math.inf)
            if following > now:
                break
            if events and events[0] == following:
                heapq.heappop(events)
            self._cursor = following
        self._cursor = max(self._cursor, now)
        self._ready = ready

    def _prune(self) -> None:
        """Forget the sub-jobs whose replicas came free by the cursor."""
        if self._cursor < self._next_release:
            return
        keep = []
        for sub in self._holding:
            if sub.release_at is None or sub.release_at > self._cursor:
                keep.append(sub)
            else:
                self._held_upper.subtract(sub.held())
        self._holding = keep
        self._next_release = min((sub.release_at for sub in keep if sub.release_at is not None), default=float("inf"))
        self._version += 1

    def _start_fitting(self, t: float, ready: list[SubJob], events: list[float], until: float) -> list[SubJob]:
        """Start, higher priority then older first, every ready sub-job that fits at `t`; returns the
        ones still waiting. A start whose release falls in (t, until] becomes an event."""
        waiting: list[SubJob] = []
        exact: Counter[str] | None = None  # held at t, computed only when the upper bound says "maybe not"
        for sub in sorted(ready, key=lambda s: (-s.priority, s.seq)):
            for index, flavor_id in enumerate(sub.flavor_ids):
                demand = sub.demand(flavor_id)
                if not self._fits(demand, self._held_upper):
                    if exact is None:
                        exact = Counter(self._used_at(t))
                    if not self._fits(demand, exact):
                        continue
                sub.start_at, sub.flavor_index = t, index
                sub.end_at = sub.release_at = t + sub.run_s
                held = sub.held()
                self._held_upper.update(held)
                if exact is not None and sub.holds(t):
                    exact.update(held)
                self._holding.append(sub)
                self._next_release = min(self._next_release, sub.release_at)
                self._phases.pop(sub.job_uid, None)
                if t < sub.release_at <= until:
                    heapq.heappush(events, sub.release_at)
                break
            else:
                waiting.append(sub)
        if len(waiting) < len(ready):
            self._version += 1
        return waiting

    def _fits(self, demand: Counter[str], used: Counter[str]) -> bool:
        return all(self._flavors.get(flavor).total_replicas - used[flavor] >= n for flavor, n in demand.items())

    def _used_at(self, t: float) -> Counter[str]:
        """Replicas held per flavor at `t` (cached until the next start or release change)."""
        if self._cursor <= t < self._next_release:
            return self._held_upper  # every sub-job in `_holding` started by the cursor and holds until after t
        if self._used_key != (t, self._version):
            used: Counter[str] = Counter()
            for sub in self._holding:
                if sub.holds(t):
                    used.update(sub.held())
            self._used, self._used_key = used, (t, self._version)
        return self._used

    def _free(self, flavor_id: str, t: float) -> int:
        return self._flavors.get(flavor_id).total_replicas - self._used_at(t)[flavor_id]

    def holders(self, flavor: SimFlavor, now: float) -> list[tuple[dict[str, Any], int]]:
        """(app IDResponse, replicas) of every sub-job holding `flavor` replicas, in start order."""
        self.advance(now)
        holding = sorted((sub for sub in self._holding if sub.holds(now)), key=lambda s: (s.start_at, s.seq))
        return [
            ({"id": sub.uid, "name": sub.name, "type": "trainingjob"}, sub.held()[flavor.id])
            for sub in holding
            if sub.held()[flavor.id]
        ]

    # ------------------------------------------------------------------ batch training jobs

    def create(self, namespace: str, body: Any, now: float, sold_out: Callable[[str], bool]) -> Job:
        self.advance(now)
        job, subs = self._parse_create(namespace, body, now)
        newest = self._newest_by_name.get((namespace, job.name))
        if self._config.unique_names and newest is not None and self._visible(newest.delete_at, now):
            raise CaipError(409, f'batchtrainingjob "{job.name}" already exists')
        first = subs[0]
        for flavor_id in [*first.flavor_ids, *filter(None, [first.master_flavor_id])]:
            if sold_out(flavor_id):
                raise no_capacity(f"flavor {flavor_id} is sold out")
        if not any(
            all(n <= self._flavors.get(flavor).total_replicas for flavor, n in first.demand(flavor_id).items())
            for flavor_id in first.flavor_ids
        ):
            raise no_capacity(f"no flavor in {list(first.flavor_ids)} can ever host {first.pods} replicas")
        self._jobs[job.uid] = job
        self._newest_by_name[(namespace, job.name)] = job
        self._lower_names[job.uid] = job.name.lower()
        for sub in subs:
            self._subs[sub.uid] = sub
            heapq.heappush(self._pending, (sub.ready_at, sub.seq, sub))
        self._dirty = True
        return job

    def seeded_pending(self, job: Job, pending_s: float | None) -> float:
        """Bulk seeding only (`/_sim/seed`): give a job just created its own pending time; returns
        the moment its sub-jobs may take replicas."""
        subs = [self._subs[uid] for uid in job.sub_uids]
        for sub in subs:
            if pending_s is not None and sub.created_at + pending_s != sub.ready_at:
                sub.ready_at = sub.created_at + pending_s
                if sub in self._ready:
                    self._ready.remove(sub)
                heapq.heappush(self._pending, (sub.ready_at, sub.seq, sub))  # the old entry is now stale
                self._dirty = True
        return min(sub.ready_at for sub in subs)

    def get(self, namespace: str, uid: str, now: float) -> Job:
        self.advance(now)
        job = self._jobs.get(uid)
        if job is None or job.namespace != namespace or not self._visible(job.delete_at, now):
            raise not_found("batchtrainingjob", uid)
        return job

    def update(self, namespace: str, uid: str, body: Any, now: float) -> None:
        """[INFER] the doc does not say what a PUT may change. Here: `metadata.labels` always, and
        `priorityClassName` while no sub-job has started. Fields left out keep their value; any
        other change is a 400."""
        job = self.get(namespace, uid, now)
        if job.delete_at is not None:
            raise CaipError(409, f'batchtrainingjob "{uid}" is being deleted')
        if not isinstance(body, dict) or not isinstance(body.get("metadata"), dict):
            raise invalid("the body must be a BatchTrainingJob with metadata")
        metadata = body["metadata"]
        if metadata.get("name", job.name) != job.name:
            raise invalid("metadata.name cannot be changed")
        for key, current in (("trainingType", job.training_type), ("communType", job.commun_type)):
            if body.get(key, current) != current:
                raise invalid(f"{key} cannot be changed")
        if "spec" in body and _comparable(body["spec"]) != _comparable(job.spec):
            raise invalid("spec cannot be changed")
        priority_class = body.get("priorityClassName") or job.priority_class
        if priority_class not in PRIORITY_CLASSES:
            raise invalid(f"priorityClassName must be one of {', '.join(PRIORITY_CLASSES)}")
        subs = [self._subs[sub_uid] for sub_uid in job.sub_uids]
        if priority_class != job.priority_class:
            if any(sub.start_at is not None or sub.stop_at is not None for sub in subs):
                raise CaipError(409, "priorityClassName can change only while the job is pending")
            job.priority_class = priority_class
            for sub in subs:
                sub.priority = PRIORITY_CLASSES[priority_class]
            self._dirty = True
        job.labels = parse_labels(metadata.get("labels", job.labels))

    def delete(self, namespace: str, uid: str, now: float) -> None:
        job = self.get(namespace, uid, now)
        if job.delete_at is None:
            job.delete_at = now
            self._phases.pop(job.uid, None)
            for sub_uid in job.sub_uids:
                self._delete_sub(self._subs[sub_uid], now)

    def listing(self, namespace: str, args: QueryArgs, now: float) -> dict[str, Any]:
        self.advance(now)
        commun_type, training_type = args.text("commun_type"), args.text("training_type")
        source_id, source_type = args.text("sourceID"), args.text("sourceType")
        name, user_id = args.text("name"), args.text("user_id")
        for value, allowed, key in (
            (commun_type, COMMUN_TYPES, "commun_type"),
            (training_type, TRAINING_TYPES, "training_type"),
            (source_type, ("algorithm", "dataset", "savedmodel"), "sourceType"),
        ):
            if value is not None and value not in allowed:
                raise invalid(f"{key} must be one of {', '.join(allowed)}")
        statuses = {status.lower() for status in args.many("status")}

        def ordered() -> tuple[int, list[str], list[Job]]:
            if name is None:
                named: Any = self._jobs.values()
            else:
                needle = name.lower()
                named = [self._jobs[uid] for uid, lower in self._lower_names.items() if needle in lower]
            candidates = [
                job
                for job in named
                if job.namespace == namespace
                and self._visible(job.delete_at, now)
                and (commun_type is None or job.commun_type == commun_type)
                and (training_type is None or job.training_type == training_type)
                # [INFER] `name` matches a part of the name (`named` above).
                and (user_id is None or job.user_id == user_id)
                and (source_id is None and source_type is None or _uses_volume(job, source_id, source_type))
            ]
            phases = {job.uid: self.phase(job, now) for job in candidates}
            matching = [job for job in candidates if not statuses or phases[job.uid].lower() in statuses]
            keys = {"date": lambda j: j.seq, "name": lambda j: (j.name, j.seq)}
            return len(matching), list(phases.values()), sort_items(matching, args.text("sort"), keys)

        # The pages after the first are cut from the order the first took (`walks.py`), each job checked again.
        walk = (namespace, args.without_paging(), self._seq)
        total, histogram, matching = self._walks.order(walk, args.integer("offset", 0) == 0, ordered)
        shown = [job for job in page(matching, args, default_limit=self._config.default_limit,
                                     offset_mode=self._config.offset_mode)
                 if self._visible(job.delete_at, now) and (not statuses or self.phase(job, now).lower() in statuses)]
        # [INFER] `total` counts every match; the histogram counts the statuses of the matches of
        # every other filter (so a client sees how many jobs each status tab would show).
        return envelope(total, histogram, [self.view(job, now) for job in shown])

    def summary(self, now: float) -> list[dict[str, Any]]:
        """Every job ever created, deleted ones too, for the simulator's own `/_sim/jobs` (not a CAIP path)."""
        self.advance(now)
        return [{"job_id": job.uid, "name": job.name, "status": self.phase(job, now), "deleted": job.delete_at is not None}
                for job in self._jobs.values()]

    def phase(self, job: Job, now: float) -> str:
        cached = self._phases.get(job.uid)
        if cached is not None and cached[1] <= now < cached[2]:
            return cached[0]
        phase = self._phase(job, now)
        moments = []
        for sub_uid in job.sub_uids:
            sub = self._subs[sub_uid]
            moments += [sub.start_at, sub.end_at, sub.stop_at, sub.release_at, sub.delete_at]
            if sub.delete_at is not None:
                moments.append(sub.delete_at + self._config.terminating_s)
        self._phases[job.uid] = (phase, now, min((t for t in moments if t is not None and t > now), default=float("inf")))
        return phase

    def _phase(self, job: Job, now: float) -> str:
        sub_phases = [
            self._subs[sub_uid].phase(now) if self._visible(self._subs[sub_uid].delete_at, now) else "Terminated"
            for sub_uid in job.sub_uids
        ]
        return job_phase(sub_phases, deleting=job.delete_at is not None)

    def view(self, job: Job, now: float) -> dict[str, Any]:
        """cambricon.BatchTrainingJob, with `spec.flavorInfos` and every sub-job."""
        self.advance(now)
        phase = self.phase(job, now)
        subs = [self._subs[uid] for uid in job.sub_uids if self._visible(self._subs[uid].delete_at, now)]
        chosen = next((sub.flavor_index for sub in subs if sub.flavor_index is not None), 0)
        infos = [self._flavors.get(flavor_id).info(self._free(flavor_id, now)) for flavor_id in job.spec["flavorIDs"]]
        spec = {**job.spec, "flavorInfos": infos, "flavorInfo": infos[chosen]}  # (and its deprecated twin)
        for key in VOLUME_FIELDS:
            if key in spec:
                spec[key] = [self._volume_source(job.namespace, VOLUME_FIELDS[key], source) for source in spec[key]]
        sub_views = [self.sub_view(sub, now) for sub in subs]
        return {
            "metadata": self._metadata(job.name, job.uid, job.namespace, job.created_at, job.delete_at)
            | {"labels": job.labels},
            "trainingType": job.training_type,
            "batched": job.training_type == "batch",  # deprecated twin of trainingType
            "communType": job.commun_type,
            "priorityClassName": job.priority_class,
            "status": phase,
            "info": {"overview": phase},
            "spec": spec,
            "subJobs": envelope(len(sub_views), (view["status"]["overview"] for view in sub_views), sub_views),
        }

    # ------------------------------------------------------------------ sub-jobs

    def sub_job(self, namespace: str, uid: str, now: float) -> SubJob:
        self.advance(now)
        sub = self._subs.get(uid)
        if sub is None or sub.namespace != namespace or not self._visible(sub.delete_at, now):
            raise not_found("trainingjob", uid)
        return sub

    def stop_sub_job(self, namespace: str, uid: str, now: float) -> None:
        """Aborting while its pods terminate, then Aborted; a second stop changes nothing."""
        sub = self.sub_job(namespace, uid, now)
        phase = sub.state(now)[0]
        if sub.delete_at is not None:
            raise CaipError(409, f'trainingjob "{uid}" is being deleted')
        if phase in TERMINAL_PHASES:
            # [INFER] stopping an ended sub-job is a state conflict.
            raise CaipError(409, f'trainingjob "{uid}" has already ended ({phase})')
        if sub.stop_at is not None:
            return
        sub.stop_at = now
        self._dirty = True
        self._phases.pop(sub.job_uid, None)
        if sub.start_at is None:
            self._forget_waiting(sub)
        else:
            assert sub.release_at is not None
            sub.release_at = min(sub.release_at, now + self._config.aborting_s)
            self._released_earlier(sub)

    def delete_sub_job(self, namespace: str, uid: str, now: float) -> None:
        self._delete_sub(self.sub_job(namespace, uid, now), now)

    def sub_view(self, sub: SubJob, now: float) -> dict[str, Any]:
        """cambricon.TrainingJob with its pod-count cambricon.TrainingJobStatus."""
        self.advance(now)
        job = self._jobs[sub.job_uid]
        phase, counts, version = sub.state(now)
        status: dict[str, Any] = {
            "overview": phase,
            "pending": counts.pending,
            "running": counts.running,
            "succeeded": counts.succeeded,
            "failed": counts.failed,
            "terminating": counts.terminating,
            "unknown": counts.unknown,
            "minAvailable": sub.pods,
            "retryCount": 0,
            "version": version,
        }
        if sub.start_at is not None and sub.start_at <= now:
            status["flavorIndex"] = sub.flavor_index
        # cambricon.TrainingJobSpec is not defined in the doc; [INFER] the parent's spec for this sub-job.
        spec = {key: value for key, value in job.spec.items() if key != "parameterSets"}
        spec["env"] = [{"name": key, "value": value} for key, value in sub.env.items()]
        return {
            "metadata": self._metadata(sub.name, sub.uid, sub.namespace, sub.created_at, sub.delete_at),
            "communType": job.commun_type,
            "priorityClassName": job.priority_class,
            "spec": spec,
            "status": status,
        }

    def _delete_sub(self, sub: SubJob, now: float) -> None:
        if sub.delete_at is not None:
            return
        sub.delete_at = now
        self._dirty = True
        self._phases.pop(sub.job_uid, None)
        if sub.start_at is None:
            self._forget_waiting(sub)
        if sub.holds(now):
            assert sub.release_at is not None
            sub.release_at = min(sub.release_at, now + self._config.terminating_s)
            self._released_earlier(sub)

    def _forget_waiting(self, sub: SubJob) -> None:
        """A waiting sub-job stopped or deleted: out of `_ready` (its `_pending` entry is skipped when popped)."""
        if sub in self._ready:
            self._ready.remove(sub)

    def _released_earlier(self, sub: SubJob) -> None:
        assert sub.release_at is not None
        self._next_release = min(self._next_release, sub.release_at)
        self._version += 1

    # ------------------------------------------------------------------ helpers


    def _visible(self, delete_at: float | None, now: float) -> bool:
        return delete_at is None or now < delete_at + self._config.terminating_s

    def _metadata(self, name: str, uid: str, namespace: str, created_at: float, delete_at: float | None) -> dict:
        metadata = {
            "name": name,
            "namespace": namespace,
            "uid": uid,
            "creationTimestamp": rfc3339(created_at),
            "userID": self._user_id,
            "username": self._config.username,
        }
        if delete_at is not None:
            metadata["deletionTimestamp"] = rfc3339(delete_at)
        return metadata

    def _volume_source(self, namespace: str, kind: str, source: dict[str, Any]) -> dict[str, Any]:
        volume = self._volumes.find(kind, namespace, source["id"])
        return {**source, "deleted": volume is None or volume.deleted}

    def _parse_create(self, namespace: str, body: Any, now: float) -> tuple[Job, list[SubJob]]:
        if not isinstance(body, dict):
            raise invalid("the body must be a BatchTrainingJob object")
        metadata = body.get("metadata")
        if not isinstance(metadata, dict):
            raise invalid("metadata is required")
        name = metadata.get("name")
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise invalid("metadata.name must be 1-50 lowercase letters, digits and '-', alphanumeric at both ends")
        training_type = body.get("trainingType") or ("batch" if body.get("batched") is True else "normal")
        if training_type not in TRAINING_TYPES:
            raise invalid(f"trainingType must be one of {', '.join(TRAINING_TYPES)}")
        if training_type == "experiment":
            raise invalid("trainingType experiment (hyper-parameter search) is not simulated")
        commun_type = body.get("communType") or "standalone"  # [INFER] default
        if commun_type not in COMMUN_TYPES:
            raise invalid(f"communType must be one of {', '.join(COMMUN_TYPES)}")
        priority_class = body.get("priorityClassName") or DEFAULT_PRIORITY_CLASS
        if priority_class not in PRIORITY_CLASSES:
            raise invalid(f"priorityClassName must be one of {', '.join(PRIORITY_CLASSES)}")

        # cambricon.BatchTrainingJobSpec is not defined in the doc; [INFER] it carries the fields
        # of TrainingJobBasicSpec and TrainingAlgorithmSpec (digest §3.3), and is echoed back.
        spec = body.get("spec")
        if not isinstance(spec, dict):
            raise invalid("spec is required")
        spec = {key: value for key, value in spec.items() if key not in _READ_ONLY_SPEC_FIELDS}
        image = spec.get("image")
        if not isinstance(image, str) or not image:
            raise invalid("spec.image is required")
        worker_count = _count(spec, "workerCount", minimum=1, required=True)
        master_count = _count(spec, "masterCount", minimum=0, required=False)
        if commun_type == "standalone" and worker_count + master_count > 1:
            raise invalid("communType standalone runs exactly one worker")
        command = spec.get("command")
        if not isinstance(command, list) or not command or not all(isinstance(part, str) for part in command):
            raise invalid("spec.command is required (a list of strings)")
        flavor_ids = spec.get("flavorIDs")
        if flavor_ids is None and isinstance(spec.get("flavorID"), str):
            flavor_ids = [spec["flavorID"]]  # the deprecated twin
        if not isinstance(flavor_ids, list) or not flavor_ids or not all(isinstance(f, str) for f in flavor_ids):
            raise invalid("spec.flavorIDs is required (a list of flavor ids)")
        for flavor_id in flavor_ids:
            self._usable_flavor(flavor_id, namespace, "spec.flavorIDs")
        spec["flavorIDs"] = flavor_ids
        master_flavor_id = spec.get("masterFlavorID") or None
        if master_flavor_id is not None:
            self._usable_flavor(master_flavor_id, namespace, "spec.masterFlavorID")
        for key, kind in VOLUME_FIELDS.items():
            if key in spec:
                spec[key] = self._volume_sources(spec[key], key, kind, namespace)
        env = _env(spec.get("env"))
        parameter_sets = _parameter_sets(spec.get("parameterSets"), training_type)

        job = Job(
            uid=str(uuid.uuid4()), seq=0, name=name, namespace=namespace, created_at=now,
            labels=parse_labels(metadata.get("labels")), training_type=training_type, commun_type=commun_type,
            priority_class=priority_class, spec=spec, user_id=self._user_id, username=self._config.username,
        )  # fmt: skip
        self._seq += 1
        job.seq = self._seq
        subs = []
        for index, overrides in enumerate(parameter_sets):
            sub_env = env | overrides
            try:
                steering = parse_steering(sub_env, self._config.run_s)
            except SteeringError as exc:
                raise invalid(str(exc)) from None
            self._seq += 1
            sub = SubJob(
                uid=str(uuid.uuid4()), name=f"{name}-{index}", seq=self._seq, job_uid=job.uid, namespace=namespace,
                priority=PRIORITY_CLASSES[priority_class], env=sub_env, worker_count=worker_count,
                master_count=master_count, flavor_ids=tuple(flavor_ids), master_flavor_id=master_flavor_id,
                run_s=steering.run_seconds, outcome=steering.outcome, created_at=now,
                ready_at=now + self._config.pending_s,
            )  # fmt: skip
            subs.append(sub)
            job.sub_uids.append(sub.uid)
        return job, subs

    def _usable_flavor(self, flavor_id: str, namespace: str, where: str) -> None:
        try:
            flavor = self._flavors.get(flavor_id)
        except CaipError:
            raise invalid(f"{where}: flavor {flavor_id!r} does not exist") from None
        if not flavor.usable or not self._flavors.visible_to(flavor, namespace):
            raise invalid(f"{where}: flavor {flavor_id!r} is disabled, deleted or not shared with this project")

    def _volume_sources(self, raw: Any, key: str, kind: str, namespace: str) -> list[dict[str, Any]]:
        if not isinstance(raw, list) or not all(isinstance(source, dict) for source in raw):
            raise invalid(f"spec.{key} must be a list of VolumeSource objects")
        sources = []
        for index, source in enumerate(raw):
            volume_id = source.get("id")
            volume = self._volumes.find(kind, namespace, volume_id) if isinstance(volume_id, str) else None
            if volume is None or volume.deleted:
                raise invalid(f"spec.{key}[{index}].id: {kind} {volume_id!r} does not exist")
            if source.get("source", "private") not in ("private", "shared"):
                raise invalid(f"spec.{key}[{index}].source must be private or shared")
            sources.append({**source, "name": volume.name})  # `name` (and `deleted`) are system-set
        return sources


def _count(spec: dict[str, Any], key: str, *, minimum: int, required: bool) -> int:
    value = spec.get(key)
    if value is None and not required:
        return 0
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise invalid(f"spec.{key} is required and must be an integer >= {minimum}")
    return value


def _env(raw: Any) -> dict[str, str]:
    """[INFER] no environment field is documented; `spec.env` takes Kubernetes EnvVar objects."""
    if raw is None:
        return {}
    if not isinstance(raw, list):
        raise invalid("spec.env must be a list of {name, value}")
    env = {}
    for item in raw:
        if not isinstance(item, dict) or not all(isinstance(item.get(key), str) for key in ("name", "value")):
            raise invalid("spec.env must be a list of {name, value} strings")
        if not _ENV_NAME_RE.match(item["name"]):
            raise invalid(f"spec.env name {item['name']!r} is invalid")
        env[item["name"]] = item["value"]
    return env


def _parameter_sets(raw: Any, training_type: str) -> list[dict[str, str]]:
    """The sub-jobs to create, as environment overrides: one for a normal job; for a batch job
    [INFER] one per `spec.parameterSets` entry (the doc defines no batch spec)."""
    if training_type != "batch" or raw is None:
        return [{}]
    valid = isinstance(raw, list) and raw and all(
        isinstance(item, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in item.items())
        for item in raw
    )  # fmt: skip
    if not valid:
        raise invalid("spec.parameterSets must be a non-empty list of string maps")
    return raw


def _uses_volume(job: Job, source_id: str | None, source_type: str | None) -> bool:
    for key, kind in VOLUME_FIELDS.items():
        if source_type is not None and kind != source_type:
            continue
        if any(source_id is None or source.get("id") == source_id for source in job.spec.get(key) or []):
            return True
    return False


def _comparable(spec: Any) -> Any:
    """A spec without what the server fills in, so an echoed GET body compares equal."""
    if not isinstance(spec, dict):
        return spec
    flat = {key: value for key, value in spec.items() if key not in (*_READ_ONLY_SPEC_FIELDS, "flavorID")}
    if "flavorIDs" not in flat and "flavorID" in spec:
        flat["flavorIDs"] = [spec["flavorID"]]
    for key in VOLUME_FIELDS:
        if isinstance(flat.get(key), list):
            flat[key] = [
                {k: v for k, v in source.items() if k not in ("name", "deleted")}
                if isinstance(source, dict)
                else source
                for source in flat[key]
            ]
    return flat


def _waits(sub: SubJob) -> bool:
    """Still waiting for replicas: not started, stopped or deleted."""
    return sub.start_at is None and sub.stop_at is None and sub.delete_at is None

"""Training volumes (训练用卷): `algorithm` (my algorithm volumes), `dataset` (my datasets) and
`savedmodel` (my model volumes), with the same five routes each.

A new volume is `phase: Pending, importStatus: Creating` for `volume_ready_s`, then
`Bound`/`Succeeded`. The `status` list filter matches `importStatus` ([INFER]: the doc only says
"resource status").
"""

import uuid
from dataclasses import dataclass
from typing import Any

from services.vendorsim.caip.config import CaipSimConfig
from services.vendorsim.caip.errors import CaipError, invalid, not_found
from services.vendorsim.caip.listing import QueryArgs, envelope, page, rfc3339, sort_items

VOLUME_KINDS = ("algorithm", "dataset", "savedmodel")
ACL_PROJECT = ("None", "ReadWrite", "ReadOnly")


@dataclass
class Volume:
    uid: str
    kind: str
    seq: int
    name: str
    namespace: str
    created_at: float
    labels: list[dict[str, Any]]
    storage_class: str
    storage_gb: int
    acl_project: str
    user_id: str
    username: str
    deleted: bool = False

    def status(self, now: float, ready_s: float) -> dict[str, str]:
        if now < self.created_at + ready_s:
            return {"phase": "Pending", "importStatus": "Creating"}
        return {"phase": "Bound", "importStatus": "Succeeded"}


class Volumes:
    def __init__(self, config: CaipSimConfig, user_id: str) -> None:
        self._config = config
        self._user_id = user_id
        self._volumes: dict[str, Volume] = {}

    def create(self, kind: str, namespace: str, body: Any, now: float) -> Volume:
        name, labels, spec = _parse(body)
        self._check_unique(kind, namespace, name, None)
        volume = Volume(
            uid=str(uuid.uuid4()), kind=kind, seq=len(self._volumes) + 1, name=name, namespace=namespace,
            created_at=now, labels=labels, storage_class=spec["storageClassName"], storage_gb=spec["storageSize"],
            acl_project=spec["acl"], user_id=self._user_id, username=self._config.username,
        )  # fmt: skip
        self._volumes[volume.uid] = volume
        return volume

    def get(self, kind: str, namespace: str, uid: str) -> Volume:
        volume = self._volumes.get(uid)
        if volume is None or volume.deleted or volume.kind != kind or volume.namespace != namespace:
            raise not_found(kind, uid)
        return volume

    def find(self, kind: str, namespace: str, uid: str) -> Volume | None:
        """A volume a job refers to, deleted ones included (the job then shows `deleted: true`)."""
        volume = self._volumes.get(uid)
        return volume if volume is not None and volume.kind == kind and volume.namespace == namespace else None

    def update(self, kind: str, namespace: str, uid: str, body: Any) -> None:
        """[INFER] the doc does not say what may change: labels, ACL and a larger size may; the
        storage cluster may not, and a volume never shrinks."""
        volume = self.get(kind, namespace, uid)
        name, labels, spec = _parse(body)
        if spec["storageClassName"] != volume.storage_class:
            raise invalid("spec.storageClassName cannot be changed")
        if spec["storageSize"] < volume.storage_gb:
            raise invalid("spec.storageSize cannot shrink")
        self._check_unique(kind, namespace, name, uid)
        volume.name, volume.labels, volume.storage_gb, volume.acl_project = (
            name, labels, spec["storageSize"], spec["acl"]
        )

    def delete(self, kind: str, namespace: str, uid: str) -> None:
        self.get(kind, namespace, uid).deleted = True

    def view(self, volume: Volume, now: float) -> dict[str, Any]:
        effected = {"None": [], "ReadOnly": ["Read"], "ReadWrite": ["Read", "Write"]}[volume.acl_project]
        return {
            "metadata": {
                "name": volume.name,
                "namespace": volume.namespace,
                "uid": volume.uid,
                "creationTimestamp": rfc3339(volume.created_at),
                "labels": volume.labels,
                "userID": volume.user_id,
                "username": volume.username,
            },
            "spec": {
                "storageClassName": volume.storage_class,
                "storageSize": volume.storage_gb,
                "pvcName": f"pvc-{volume.uid[:8]}",
                # The creator may also change the ACL itself.
                "acl": {"project": volume.acl_project, "effected": [*effected, "WriteACL"]},
            },
            "status": volume.status(now, self._config.volume_ready_s),
        }

    def listing(self, kind: str, namespace: str, args: QueryArgs, now: float) -> dict[str, Any]:
        name, user_id = args.text("name"), args.text("user_id")
        labels, statuses = set(args.many("labels")), set(args.many("status"))
        candidates = [
            volume
            for volume in self._volumes.values()
            if volume.kind == kind
            and volume.namespace == namespace
            and not volume.deleted
            and (name is None or name.lower() in volume.name.lower())
            and (user_id is None or volume.user_id == user_id)
            and labels <= {label.get("name") for label in volume.labels}
        ]

        def import_status(volume: Volume) -> str:
            return volume.status(now, self._config.volume_ready_s)["importStatus"]

        matching = [volume for volume in candidates if not statuses or import_status(volume) in statuses]
        keys = {"date": lambda v: v.seq, "name": lambda v: (v.name, v.seq)}
        ordered = sort_items(matching, args.text("sort"), keys)
        shown = page(ordered, args, default_limit=self._config.default_limit, offset_mode=self._config.offset_mode)
        # [INFER] the histogram counts every status among the other filters' matches.
        return envelope(len(matching), map(import_status, candidates), [self.view(v, now) for v in shown])

    def _check_unique(self, kind: str, namespace: str, name: str, own_uid: str | None) -> None:
        if not self._config.unique_names:
            return
        for other in self._volumes.values():
            if (other.kind, other.namespace, other.name) == (kind, namespace, name) and not other.deleted:
                if other.uid != own_uid:
                    raise CaipError(409, f'{kind} "{name}" already exists')


def parse_labels(raw: Any) -> list[dict[str, Any]]:
    """`metadata.labels`: cambricon.Label objects, `name` required."""
    if raw is None:
        return []
    if not isinstance(raw, list) or not all(isinstance(label, dict) for label in raw):
        raise invalid("metadata.labels must be a list of Label objects")
    for label in raw:
        if not isinstance(label.get("name"), str) or not label["name"]:
            raise invalid("metadata.labels[].name is required")
    return raw


def _parse(body: Any) -> tuple[str, list[dict[str, Any]], dict[str, Any]]:
    if not isinstance(body, dict):
        raise invalid("the body must be a TrainingVolume object")
    metadata = body.get("metadata")
    if not isinstance(metadata, dict) or not isinstance(metadata.get("name"), str) or not metadata["name"]:
        raise invalid("metadata.name is required")
    spec = body.get("spec")
    if not isinstance(spec, dict):
        raise invalid("spec is required")
    storage_class, size = spec.get("storageClassName"), spec.get("storageSize")
    if not isinstance(storage_class, str) or not storage_class:
        raise invalid("spec.storageClassName is required")
    if not isinstance(size, int) or isinstance(size, bool) or size < 1:
        raise invalid("spec.storageSize is required and must be an integer >= 1 (GB)")
    acl = spec.get("acl") or {}
    project = acl.get("project", "ReadWrite") if isinstance(acl, dict) else None
    if project not in ACL_PROJECT:
        raise invalid(f"spec.acl.project must be one of {', '.join(ACL_PROJECT)}")
    return metadata["name"], parse_labels(metadata.get("labels")), {
        "storageClassName": storage_class, "storageSize": size, "acl": project,
    }  # fmt: skip

"""Datasets (section 10): create (10.1, no id in the answer: it is found by name in the list), register an uploaded
file (10.2), list (10.3, Cube Studio paging with `str_relate`) and delete (10.4, the id in a DELETE body).

[INFER] The document shows no list item and no file listing: the items carry the fields its 10.3 table names;
`dataSize` counts the files registered, `storageSize` stays "0" (the upload itself is the CCR data plane's, another
document); a file must go under the dataset's `downloadUrl`. Names are unique per project, as the console enforces.
"""

from dataclasses import dataclass, field
from typing import Any

from services.vendorsim.aispace import fields, times
from services.vendorsim.aispace.resources import Resources
from services.vendorsim.aispace.wire import AISpaceError, Code, invalid, not_found

_CREATE_FIELDS = ("name", "describe", "sourceType", "downloadUrl", "markStatus", "projectId", "version", "storageType")
_FILE_FIELDS = ("namespace", "dstpath", "uploadId", "filename")


@dataclass
class Dataset:
    id: int
    record: dict[str, Any]
    project_id: int
    created_at: float
    files: list[dict[str, str]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return str(self.record["name"])

    @property
    def download_url(self) -> str:
        return str(self.record["downloadUrl"]).rstrip("/")

    def holds(self, path: str) -> bool:
        return path == self.download_url or path.startswith(self.download_url + "/")


class Datasets:
    def __init__(self, resources: Resources, user_name: str) -> None:
        self._resources, self._user = resources, user_name
        self._datasets: dict[int, Dataset] = {}
        self._next = 150  # the document's example id

    def create(self, body: Any, now: float) -> Dataset:
        body = fields.body_object(body)
        fields.require(body, _CREATE_FIELDS)
        project = self._resources.project(fields.integer(body, "projectId"))
        name = fields.text(body, "name")
        if any(d.name == name and d.project_id == project.id for d in self._datasets.values()):
            raise AISpaceError(Code.ALREADY_EXISTS, f"dataset {name} already exists in project {project.id}")
        fields.integer(body, "storageType")
        dataset = Dataset(self._next, dict(body), project.id, now)
        self._next += 1
        self._datasets[dataset.id] = dataset
        return dataset

    def add_file(self, body: Any) -> None:
        body = fields.body_object(body)
        fields.require(body, _FILE_FIELDS)
        path = fields.text(body, "dstpath").rstrip("/")
        owner = next((d for d in self._datasets.values() if d.holds(path)), None)
        if owner is None:
            raise not_found(f"dataset with a downloadUrl holding {path}")
        owner.files.append({name: fields.text(body, name) for name in _FILE_FIELDS})

    def delete(self, body: Any) -> None:
        dataset_id = fields.integer(fields.body_object(body), "id")
        if self._datasets.pop(dataset_id, None) is None:
            raise not_found(f"dataset {dataset_id}")

    def rows(self) -> list[dict[str, Any]]:
        return [self.view(dataset) for dataset in self._datasets.values()]

    def view(self, dataset: Dataset) -> dict[str, Any]:
        record = dataset.record
        return {
            "id": dataset.id, "name": record["name"], "describe": record["describe"], "version": record["version"],
            "storageSize": "0", "dataSize": str(len(dataset.files)), "sourceType": record["sourceType"],
            "dealStatus": "", "importStatus": 0, "markTemplate": "", "markStatus": str(record["markStatus"]),
            "createTime": times.spaced(dataset.created_at), "projectId": dataset.project_id,
            "projectName": self._resources.project_name(dataset.project_id),
            "storageType": int(record["storageType"]), "storageName": "", "isPublic": 0,
            "createdBy": self._user, "changedBy": self._user,
        }  # fmt: skip


"""Images (section 8): image builds (8.2, deleted through the shared delete as type 4, 8.3), the image list (8.4:
the platform's preset images and the account's pushed ones) and a custom image's two control-plane calls, the
pre-upload that names the registry instance (8.5) and the push (8.6).

[INFER] The document exposes no build status and no push status beyond `"Pushing"`; a pushed image is listed (as
not preset, newest first) at once. The data plane (CCR's `/api/CCR/v1.0/files/uploads/`, another document) is not
simulated: any `upload_id` is taken. Preset rows are the document's example rows.
"""

import json
import secrets
from dataclasses import dataclass
from typing import Any

from services.vendorsim.aispace import fields, times
from services.vendorsim.aispace.resources import Resources
from services.vendorsim.aispace.wire import invalid, not_found

_BUILD_FIELDS = (
    "project", "image_type", "base_image", "consecutive_build", "volume_mount", "describe", "target_image",
    "resourceId", "specCode", "resource_memory", "resource_cpu", "resource_gpu", "exclusive",
)  # fmt: skip
_MAY_BE_EMPTY = ("describe", "exclusive")  # [DOC] exclusive "" = not exclusive

_GPU_TYPES = {"nvidia": "英伟达", "ascend": "华为昇腾", "iluvatar_infer": "天数智芯（推理）"}
# [DOC] the 8.4 example's rows: (id, gpu_type, images_url, project, title, modified)
_PRESET = (
    (364, "nvidia", "image.cestc.cn/iaas_pub/llm-server:1.0.0-5afe2c-20240607-1524-gpu", "大模型", "大模型服务",
     "17 days ago"),
    (368, "nvidia", "image.cestc.cn/ccos-aidp/preset-models:SUS-Chat-34B", "预制模型", "预制大模型SUS-Chat-34B",
     "17 days ago"),
    (369, "nvidia", "image.cestc.cn/iaas_pub/model-evaluation:v1.0-20240621-48375", "大模型", "大模型评估",
     "17 days ago"),
    (370, "nvidia", "image.cestc.cn/iaas_pub/opencompass:v2.2.2", "大模型", "大模型基础评估", "16 days ago"),
    (371, "iluvatar_infer", "image.cestc.cn/iaas_pub/iluvatar-llm-server:v0.1-20240624", "大模型",
     "大模型服务（天数GPU版，推理功能）", "15 days ago"),
    (372, "ascend", "image.cestc.cn/iaas_pub/ascend-llm-server:v0.1-20240529", "大模型",
     "大模型服务（昇腾GPU版，推理功能）", "15 days ago"),
    (373, "ascend", "image.cestc.cn/iaas_pub/ascend-llm-trainer:v0.1-20240529", "大模型",
     "大模型服务（昇腾GPU版，训练功能）", "15 days ago"),
)  # fmt: skip
# [DOC] the list's metadata, as the example shows it
LIST_META: dict[str, Any] = {
    "description_columns": {"gpu_type": "GPU类型", "name": "镜像名称全称，例如image.cestc.cn/iaas_pub/ubuntu:20.04"},
    "label_columns": {"creator": "创建者", "gpu_type": "GPU类型", "gpu_type_ch": "GPU类型", "image_type": "镜像类型",
                      "images_url": "镜像", "isPreset": "是否预制", "key": "镜像标识", "modified": "修改时间",
                      "project": "功能分类", "title": "镜像标题"},
    "list_columns": ["project", "title", "images_url", "key", "creator", "modified", "image_type", "gpu_type",
                     "isPreset", "gpu_type_ch"],
    "list_title": "镜像 列表",
    "order_columns": ["id"],
}  # fmt: skip


@dataclass
class Build:
    id: int
    record: dict[str, Any]
    project_id: int
    created_at: float


@dataclass(frozen=True)
class Upload:
    instance_id: str
    project_name: str
    image_name: str


class Images:
    def __init__(self, resources: Resources, user_name: str) -> None:
        self._resources, self._user = resources, user_name
        self._builds: dict[int, Build] = {}
        self._next_build = 3  # the document's example id
        self._uploads: dict[tuple[str, str, str], Upload] = {}  # (instance, project, image) once pre-uploaded
        self._pushed: list[dict[str, Any]] = []
        self._next_image = 374  # after the preset rows

    # ---- builds (8.2, 8.3)

    def build(self, body: Any, now: float) -> Build:
        body = fields.body_object(body)
        fields.require(body, _BUILD_FIELDS, may_be_empty=_MAY_BE_EMPTY)
        if not isinstance(body["consecutive_build"], bool):
            raise invalid("consecutive_build must be true or false")
        project = self._resources.project(fields.integer(body, "project"))
        self._resources.usable(fields.text(body, "resourceId"), project.id, now)
        fields.cpu(body["resource_cpu"])  # each refused unless readable
        fields.memory_gb(body["resource_memory"])
        fields.gpu(body["resource_gpu"])
        build = Build(self._next_build, dict(body), project.id, now)
        self._next_build += 1
        self._builds[build.id] = build
        return build

    def build_view(self, build: Build) -> dict[str, Any]:
        """8.2's `result`: the build and its `expand` (mount and resources, as JSON text)."""
        record = build.record
        expand = {"volume_mount": record["volume_mount"],
                  "resource_memory": f"{fields.memory_gb(record['resource_memory'])}G",
                  "resource_cpu": str(record["resource_cpu"]), "resource_gpu": str(record["resource_gpu"]),
                  "namespace": "jupyter"}  # fmt: skip
        return {
            "id": build.id, "base_image": record["base_image"], "consecutive_build": record["consecutive_build"],
            "describe": record["describe"], "dockerfile": "", "expand": json.dumps(expand, ensure_ascii=False),
            "image_type": record["image_type"], "project": build.project_id, "target_image": record["target_image"],
        }  # fmt: skip

    def delete_build(self, build_id: Any, now: float) -> dict[str, Any]:
        """8.3: the deleted record with its audit fields."""
        try:
            build = self._builds.pop(int(str(build_id)))
        except (KeyError, ValueError):
            raise not_found(f"image build {build_id}") from None
        view = self.build_view(build)
        del view["project"]
        return view | {
            "changed_by_fk": 12, "changed_on": times.iso(now), "created_by_fk": 12,
            "created_on": times.iso(build.created_at),
            "entrypoint": "", "last_image": "", "need_gpu": fields.gpu(build.record["resource_gpu"])[0] > 0,
            "project_id": build.project_id,
        }  # fmt: skip

    # ---- the list (8.4)

    def rows(self) -> list[dict[str, Any]]:
        """Every image, highest id first: the account's pushed images, then the preset ones."""
        preset = [
            {"creator": "admin", "gpu_type": gpu_type, "gpu_type_ch": _GPU_TYPES[gpu_type], "id": image_id,
             "image_type": "", "images_url": url, "isPreset": True, "key": url.rsplit("/", 1)[-1], "modified": modified,
             "project": project, "title": title}
            for image_id, gpu_type, url, project, title, modified in _PRESET
        ]  # fmt: skip
        return sorted(self._pushed + preset, key=lambda row: row["id"], reverse=True)

    # ---- a custom image (8.5, 8.6)

    def pre_upload(self, body: Any) -> dict[str, str]:
        body = fields.body_object(body)
        fields.require(body, ("projectName", "imageName", "abortController"))
        project_name, image_name = fields.text(body, "projectName"), fields.text(body, "imageName")
        if ":" not in image_name:
            raise invalid("imageName must be name:tag")
        upload = Upload(f"ccr-{secrets.token_hex(5)}", project_name, image_name)
        self._uploads[(upload.instance_id, project_name, image_name)] = upload
        return {"instanceId": upload.instance_id, "projectName": project_name}

    def push(self, instance_id: str, project_name: str, body: Any) -> dict[str, str]:
        body = fields.body_object(body)
        fields.require(body, ("hash_md5", "image_name", "upload_id"), may_be_empty=("hash_md5",))
        image_name = fields.text(body, "image_name")
        if (instance_id, project_name, image_name) not in self._uploads:
            raise not_found(f"image {image_name} pre-uploaded to {instance_id}/{project_name}")
        url = f"cke-public-ccr.registry.region1.cecstackzsarm.cn/{project_name}/{image_name}"
        self._pushed.append({
            "creator": self._user, "gpu_type": "nvidia", "gpu_type_ch": _GPU_TYPES["nvidia"], "id": self._next_image,
            "image_type": "", "images_url": url, "isPreset": False, "key": image_name, "modified": "just now",
            "project": project_name, "title": image_name,
        })  # fmt: skip
        self._next_image += 1
        return {"status": "Pushing"}

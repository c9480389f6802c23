"""The notebook image registry (ch. 5.21-5.24): built-in images, registered SWR images, saved snapshots.

A notebook is created from an image id; this is where a client finds or registers one.
"""

import re
import uuid
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request

from services.vendorsim.modelarts.config import ModelArtsSimConfig
from services.vendorsim.modelarts.errors import ModelArtsError, invalid, json_body
from services.vendorsim.modelarts.wire import int_value, ms, record_page

# host/namespace/name:tag, as SWR spells an image.
_SWR_PATH = re.compile(r"^(?P<host>[^/\s]+)/(?P<namespace>[^/\s]+)/(?P<name>[^/:\s]+):(?P<tag>[^/:\s]+)$")
_CATEGORIES = ("CPU", "GPU", "ASCEND")


@dataclass
class Image:
    id: str
    swr_path: str
    name: str
    namespace: str
    tag: str
    arch: str
    type: str  # BUILD_IN | DEDICATED
    origin: str  # CUSTOMIZE | IMAGE_SAVE
    resource_categories: list[str]
    service_type: str
    dev_services: list[str]
    visibility: str
    description: str
    created_at: float
    ready_at: float  # a snapshot is CREATING until then

    def view(self, now: float) -> dict[str, Any]:
        """Image (表 5-12); `arch` comes back lower-case, as in the doc's examples."""
        return {
            "arch": self.arch.lower(),
            "create_at": ms(self.created_at),
            "description": self.description,
            "dev_services": self.dev_services,
            "id": self.id,
            "name": self.name,
            "namespace": self.namespace,
            "origin": self.origin,
            "resource_categories": self.resource_categories,
            "service_type": self.service_type,
            "size": 3376133259,
            "status": "ACTIVE" if now >= self.ready_at else "CREATING",
            "status_message": "",
            "support_res_categories": self.resource_categories,
            "swr_path": self.swr_path,
            "tag": self.tag,
            "type": self.type,
            "update_at": ms(max(self.created_at, min(now, self.ready_at))),
            "visibility": self.visibility,
            "workspace_id": "0",
        }


def _built_in(image_id: str, swr_path: str, arch: str, categories: list[str]) -> Image:
    parts = _SWR_PATH.match(swr_path)
    assert parts is not None
    return Image(image_id, swr_path, parts["name"], parts["namespace"], parts["tag"], arch, "BUILD_IN", "CUSTOMIZE",
                 categories, "DEV", ["NOTEBOOK", "SSH"], "PUBLIC", "built-in image", 0.0, 0.0)


class Images:
    def __init__(self, config: ModelArtsSimConfig) -> None:
        self._config = config
        self._images: dict[str, Image] = {
            image.id: image
            for image in (
                # The doc's example image.
                _built_in("e1a07296-22a8-4f05-8bc8-e936c8e54090",
                          "swr.cn-north-4.myhuaweicloud.com/atelier/notebook2.0-mul-kernel-cpu-cp36:3.3.2-release_v1",
                          "X86_64", ["CPU", "GPU"]),
                _built_in("2e4d7c1a-5b3f-4e8a-9c6d-1f0a3b5c7d9e",
                          "swr.cn-north-4.myhuaweicloud.com/atelier/mindspore_2_2_ascend:1.0.0-snt9b",
                          "AARCH64", ["ASCEND"]),
            )
        }

    def get(self, image_id: str) -> Image:
        image = self._images.get(image_id)
        if image is None:
            raise ModelArtsError(400, "ModelArts.6797", f"Specified image {image_id} cannot be found.")
        return image

    def register(self, body: Any, now: float) -> Image:
        """POST /images (表 5-22 ff.); note the singular `resource_category` in the request."""
        if not isinstance(body, dict):
            raise invalid("the body must be an object.")
        swr_path = body.get("swr_path")
        parts = _SWR_PATH.match(swr_path) if isinstance(swr_path, str) else None
        if parts is None:
            raise ModelArtsError(400, "ModelArts.6335", "`swr_path` is a required property.")
        if any(image.swr_path == swr_path for image in self._images.values()):
            raise ModelArtsError(
                400, "ModelArts.6737",
                f"Conflict tag {parts['tag']} for image {parts['name']}, tag cannot be duplicated.",
            )
        arch = str(body.get("arch") or "X86_64").upper()
        categories = body.get("resource_category") or ["CPU", "GPU"]
        if arch not in ("X86_64", "AARCH64") or not isinstance(categories, list) or not set(categories) <= set(
            _CATEGORIES
        ):
            raise ModelArtsError(400, "ModelArts.6336", "`arch` or `resource_category` property value is incorrect.")
        image = Image(
            id=str(uuid.uuid4()),
            swr_path=swr_path,
            name=parts["name"],
            namespace=parts["namespace"],
            tag=parts["tag"],
            arch=arch,
            type="DEDICATED",
            origin=str(body.get("origin") or "CUSTOMIZE"),
            resource_categories=list(categories),
            service_type=str(body.get("service_type") or "UNKNOWN"),
            dev_services=list(body.get("services") or ["NOTEBOOK", "SSH"]),
            visibility=str(body.get("visibility") or "PRIVATE"),
            description=str(body.get("description") or ""),
            created_at=now,
            ready_at=now,
        )
        self._images[image.id] = image
        return image

    def save_snapshot(self, body: dict[str, Any], arch: str, categories: list[str], now: float,
                      ready_at: float) -> Image:
        """The image a notebook's create-image makes (origin IMAGE_SAVE, CREATING until the snapshot ends)."""
        name = str(body.get("name") or f"notebook-snapshot-{uuid.uuid4().hex[:8]}")
        namespace = str(body.get("namespace") or "sim-namespace")
        tag = str(body.get("tag") or "latest")
        image = Image(str(uuid.uuid4()), f"swr.cn-north-4.myhuaweicloud.com/{namespace}/{name}:{tag}", name,
                      namespace, tag, arch, "DEDICATED", "IMAGE_SAVE", categories, "DEV", ["NOTEBOOK", "SSH"],
                      "PRIVATE", str(body.get("description") or ""), now, ready_at)
        self._images[image.id] = image
        return image

    def listing(self, query: dict[str, str], now: float) -> dict[str, Any]:
        """GET /images: name (fuzzy by default), namespace, type, service_type; limit 200 by default."""
        limit = int_value(query.get("limit", 200), "limit", minimum=1)
        offset = int_value(query.get("offset", 0), "offset", minimum=0)
        name, fuzzy = query.get("name"), query.get("name_fuzzy_match", "true").lower() != "false"
        found = [
            image
            for image in self._images.values()
            if (name is None or (name in image.name if fuzzy else name == image.name))
            and query.get("namespace") in (None, image.namespace)
            and query.get("type") in (None, image.type)
            and query.get("service_type") in (None, image.service_type)
        ]
        found.sort(key=lambda image: image.created_at, reverse=query.get("sort_dir", "DESC").upper() == "DESC")
        return record_page([image.view(now) for image in found], offset, limit)


def routes(images: Images, config: ModelArtsSimConfig) -> APIRouter:
    """The image paths, below `/v1/{project_id}`."""
    router = APIRouter()

    @router.get("/images")
    async def list_images(request: Request) -> dict[str, Any]:
        return images.listing(dict(request.query_params), config.clock())

    @router.post("/images")
    async def register_image(request: Request) -> dict[str, Any]:
        now = config.clock()
        return images.register(await json_body(request), now).view(now)

    @router.get("/images/{image_id}")
    async def get_image(image_id: str) -> dict[str, Any]:
        return images.get(image_id).view(config.clock())

    return router

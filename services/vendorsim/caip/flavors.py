"""Flavors (算力规格): the built-in catalog, `POST/PUT/DELETE /v2/flavor`, and the list with its filters.

Every flavor has its own pool of `totalReplicas` container slots on nodes of `replicas_per_node`
slots each (a simplification: a real cluster shares nodes between flavors). Jobs occupy slots
(`freeReplicas` falls and rises with them, see `jobs.py`); `withNode=true` shows the nodes and
which sub-job holds which card.
"""

import math
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from services.vendorsim.caip.config import CaipSimConfig
from services.vendorsim.caip.errors import CaipError, invalid, not_found
from services.vendorsim.caip.listing import QueryArgs, envelope, page, sort_items

FLAVOR_TYPES = ("CPU", "GPU", "MLU", "Unknown")
# Every required (是否必选 true) field of cambricon.Flavor besides `name`.
_REQUIRED_INTS = (
    "cpuMilliCoresRequest", "cpuMilliCoresLimit", "memMbRequest", "memMbLimit", "gpuMilliCores",
    "mluMilliCores", "ephemeralStorageGb", "mellanoxIb", "mellanoxRoce", "credit",
)  # fmt: skip
_REQUIRED_STRINGS = ("gpuType", "mluType")
_FLAVOR_ID_NAMESPACE = uuid.UUID("6f1d3c52-7a0e-4b8e-9d21-3c5a7e9b0f14")


@dataclass
class SimFlavor:
    id: str
    spec: dict[str, Any]  # the cambricon.Flavor fields a client writes
    total_replicas: int
    replicas_per_node: int
    seq: int
    deleted: bool = False

    @property
    def name(self) -> str:
        return self.spec["name"]

    @property
    def namespace(self) -> str:
        return self.spec["namespace"]

    @property
    def usable(self) -> bool:
        return self.spec["enabled"] and not self.deleted

    def view(self) -> dict[str, Any]:
        """As listed: `totalReplicas` is a query-only field."""
        return {"id": self.id, **self.spec, "totalReplicas": self.total_replicas}

    def info(self, free_replicas: int) -> dict[str, Any]:
        """As inside a job's `flavorInfos`: `freeReplicas` and `deleted` appear only there."""
        return {"id": self.id, **self.spec, "freeReplicas": free_replicas, "deleted": self.deleted}

    def nodes(self, holders: Sequence[tuple[dict[str, Any], int]]) -> list[dict[str, Any]]:
        """`NodeInfo` of this flavor's pool; `holders` are (app IDResponse, replicas) in start order."""
        per_node = self.replicas_per_node
        millicards = self.spec["mluMilliCores"] or self.spec["gpuMilliCores"]
        slots: list[dict[str, Any] | None] = [app for app, replicas in holders for _ in range(replicas)]
        slots += [None] * (self.total_replicas - len(slots))
        nodes = []
        for index in range(math.ceil(self.total_replicas / per_node)):
            node_slots = slots[index * per_node : (index + 1) * per_node]
            used = sum(app is not None for app in node_slots)
            card_usage = []
            for slot, app in enumerate(node_slots):
                if app is None or not millicards:
                    continue
                first = slot * millicards  # in 1/1000 cards from the node's card 0
                for card in range(first // 1000, math.ceil((first + millicards) / 1000)):
                    usage: dict[str, Any] = {"physical": card, "app": app}
                    if millicards % 1000:  # a fraction of a card is a virtual function
                        usage["vf"] = (first % 1000) // millicards
                    card_usage.append(usage)
            nodes.append(
                {
                    "name": f"caip-{self.name}-node-{index}",
                    "os": "Ubuntu 20.04.6 LTS",
                    "kernelVersion": "5.4.0-150-generic",
                    "cpuType": "Intel(R) Xeon(R) Gold 6348 CPU @ 2.60GHz",
                    "gpuType": self.spec["gpuType"],
                    "mluType": self.spec["mluType"],
                    "driverVersion": "5.10.22" if self.spec["mluMilliCores"] else "",
                    "total": self._resources(per_node, millicards),
                    "used": self._resources(used, millicards),
                    "cardUsage": card_usage,
                }
            )
        return nodes

    def _resources(self, replicas: int, millicards: int) -> dict[str, str]:
        resources = {
            "cpu": f"{replicas * self.spec['cpuMilliCoresRequest']}m",
            "memory": f"{replicas * self.spec['memMbRequest']}Mi",
            "ephemeral-storage": f"{replicas * self.spec['ephemeralStorageGb']}Gi",
        }
        if self.spec["mluMilliCores"]:
            resources["cambricon.com/mlu"] = str(math.ceil(replicas * millicards / 1000))
        elif self.spec["gpuMilliCores"]:
            resources["nvidia.com/gpu"] = str(math.ceil(replicas * millicards / 1000))
        return resources


def _catalog_entry(
    name: str, flavor_type: str, cores: int, memory_gb: int, credit: int, *, mlu: tuple[int, str] = (0, ""),
    gpu: tuple[int, str] = (0, ""), namespace: str = "public", enabled: bool = True, roce: int = 0,
) -> dict[str, Any]:  # fmt: skip
    return {
        "name": name, "namespace": namespace, "flavorType": flavor_type, "enabled": enabled,
        "cpuMilliCoresRequest": cores * 1000, "cpuMilliCoresLimit": cores * 1000,
        "memMbRequest": memory_gb * 1024, "memMbLimit": memory_gb * 1024,
        "gpuMilliCores": gpu[0], "gpuType": gpu[1], "mluMilliCores": mlu[0], "mluType": mlu[1],
        "ephemeralStorageGb": 50, "mellanoxIb": 0, "mellanoxRoce": roce, "credit": credit,
    }  # fmt: skip


def default_catalog(namespace: str) -> list[tuple[dict[str, Any], int, int]]:
    """(flavor, totalReplicas, replicas per node). MLU flavors (and one CPU flavor) only, so that
    no other vendor's simulator offers the same accelerator classes. `credit` is per hour, in 1e-6."""
    mlu370, mlu590 = "MLU370-X8", "MLU590"
    # fmt: off
    return [
        (_catalog_entry("mlu370-x1", "MLU", 8, 32, 3_500_000, mlu=(1000, mlu370)), 16, 8),
        (_catalog_entry("mlu370-x4", "MLU", 32, 128, 14_000_000, mlu=(4000, mlu370)), 4, 2),
        # Half a card: a virtual function ([DOC] "1/1000 card" units allow fractions).
        (_catalog_entry("mlu370-vf", "MLU", 4, 16, 1_800_000, mlu=(500, mlu370)), 16, 16),
        # A project's own flavor: only that namespace sees and uses it.
        (_catalog_entry("mlu370-x2-team", "MLU", 16, 64, 6_000_000, mlu=(2000, mlu370), namespace=namespace), 4, 4),
        (_catalog_entry("mlu370-x1-legacy", "MLU", 8, 32, 3_000_000, mlu=(1000, mlu370), enabled=False), 8, 8),
        (_catalog_entry("mlu590-x1", "MLU", 12, 64, 9_000_000, mlu=(1000, mlu590)), 8, 8),
        (_catalog_entry("mlu590-x8", "MLU", 96, 512, 72_000_000, mlu=(8000, mlu590), roce=2), 2, 1),
        (_catalog_entry("cpu-16c64g", "CPU", 16, 64, 4_800_000), 8, 4),
    ]
    # fmt: on


def default_flavor_id(name: str) -> str:
    """Built-in flavors keep their id across restarts (ids are otherwise system-generated)."""
    return str(uuid.uuid5(_FLAVOR_ID_NAMESPACE, name))


class Flavors:
    def __init__(self, config: CaipSimConfig) -> None:
        self._config = config
        self._flavors: dict[str, SimFlavor] = {}
        for spec, total, per_node in default_catalog(config.namespace):
            replicas = config.flavor_replicas or total
            self._add(SimFlavor(default_flavor_id(spec["name"]), spec, replicas, min(per_node, replicas), 0))

    def get(self, flavor_id: str) -> SimFlavor:
        """A flavor by id, deleted ones included (jobs keep showing the flavor they used)."""
        flavor = self._flavors.get(flavor_id)
        if flavor is None:
            raise not_found("flavor", flavor_id)
        return flavor

    def visible_to(self, flavor: SimFlavor, namespace: str) -> bool:
        return flavor.namespace in ("public", namespace)

    def create(self, body: Any) -> SimFlavor:
        spec = _parse_flavor(body)
        self._check_unique(spec, None)
        replicas = self._config.new_flavor_replicas
        flavor = SimFlavor(str(uuid.uuid4()), spec, replicas, replicas, 0)
        self._add(flavor)
        return flavor

    def update(self, flavor_id: str, body: Any) -> None:
        """PUT replaces every writable field (the doc's PUT takes the whole `Flavor`)."""
        flavor = self._live(flavor_id)
        spec = _parse_flavor(body)
        self._check_unique(spec, flavor_id)
        flavor.spec = spec

    def delete(self, flavor_id: str) -> None:
        """Soft delete: gone from the list and from new jobs; jobs using it show `deleted: true`."""
        self._live(flavor_id).deleted = True

    def listing(self, args: QueryArgs, holders: Callable[[SimFlavor], Sequence[tuple[dict[str, Any], int]]]) -> dict:
        """`GET /v2/flavor`; `holders(flavor)` tells who holds its replicas (for `withNode`)."""
        flavor_type = args.text("flavor_type")
        if flavor_type is not None and flavor_type not in FLAVOR_TYPES:
            raise invalid(f"flavor_type must be one of {', '.join(FLAVOR_TYPES)}")
        enabled, name, namespaces = args.flag("enabled"), args.text("name"), args.many("namespace")
        matching = [
            flavor
            for flavor in self._flavors.values()
            if not flavor.deleted
            and (enabled is None or flavor.spec["enabled"] == enabled)
            and (flavor_type is None or flavor.spec["flavorType"] == flavor_type)
            # [INFER] `name` matches a part of the name.
            and (name is None or name.lower() in flavor.name.lower())
            and (not namespaces or flavor.namespace in namespaces)
        ]
        keys = {
            "date": lambda f: f.seq,
            "name": lambda f: (f.name, f.seq),
            "credit": lambda f: (f.spec["credit"], f.seq),
        }
        ordered = sort_items(matching, args.text("sort"), keys)
        shown = page(ordered, args, default_limit=self._config.default_limit, offset_mode=self._config.offset_mode)
        with_nodes = bool(args.flag("withNode")) and self._config.show_nodes
        items = [flavor.view() | ({"nodes": flavor.nodes(holders(flavor))} if with_nodes else {}) for flavor in shown]
        return envelope(len(matching), (), items)  # flavors have no status: an empty histogram

    def _add(self, flavor: SimFlavor) -> None:
        flavor.seq = len(self._flavors) + 1
        self._flavors[flavor.id] = flavor

    def _live(self, flavor_id: str) -> SimFlavor:
        flavor = self.get(flavor_id)
        if flavor.deleted:
            raise not_found("flavor", flavor_id)
        return flavor

    def _check_unique(self, spec: dict[str, Any], own_id: str | None) -> None:
        if not self._config.unique_names:
            return
        for other in self._flavors.values():
            same = other.name == spec["name"] and other.namespace == spec["namespace"]
            if same and not other.deleted and other.id != own_id:
                raise CaipError(409, f'flavor "{spec["name"]}" already exists')


def _parse_flavor(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise invalid("the body must be a Flavor object")
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise invalid("name is required")
    spec: dict[str, Any] = {"name": name}
    for field in _REQUIRED_INTS:
        value = body.get(field)
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise invalid(f"{field} is required and must be an integer >= 0")
        spec[field] = value
    for field in _REQUIRED_STRINGS:
        value = body.get(field)
        if not isinstance(value, str):
            raise invalid(f"{field} is required and must be a string")
        spec[field] = value
    if spec["cpuMilliCoresRequest"] > spec["cpuMilliCoresLimit"] or spec["memMbRequest"] > spec["memMbLimit"]:
        raise invalid("a request must not exceed its limit")
    # [INFER] flavorType and enabled are optional; default them from the accelerator and to enabled.
    default_type = "MLU" if spec["mluMilliCores"] else "GPU" if spec["gpuMilliCores"] else "CPU"
    spec["flavorType"] = body.get("flavorType") or default_type
    if spec["flavorType"] not in FLAVOR_TYPES:
        raise invalid(f"flavorType must be one of {', '.join(FLAVOR_TYPES)}")
    spec["enabled"] = body.get("enabled", True)
    if not isinstance(spec["enabled"], bool):
        raise invalid("enabled must be a boolean")
    spec["namespace"] = body.get("namespace") or "public"
    if not isinstance(spec["namespace"], str):
        raise invalid("namespace must be a string")
    node_selector = body.get("nodeSelector")
    if node_selector is not None:
        # cambricon.NodeSelector is not defined in the doc; [INFER] a Kubernetes label map.
        if not isinstance(node_selector, dict) or not all(isinstance(v, str) for v in node_selector.values()):
            raise invalid("nodeSelector must be a map of strings")
        spec["nodeSelector"] = node_selector
    return spec

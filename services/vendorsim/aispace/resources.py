"""Resource packages (public pool), storage, dedicated pools, and the project spaces they are bound to.

Money is integer 分 (fen) throughout, as in the document. A purchase carries its own price quote
(`queryPriceResult`, from a price-inquiry API the document does not include); the simulator checks its arithmetic and
charges its `total`, which becomes the package's `perPrice`.
"""

import math
import uuid
from dataclasses import dataclass
from typing import Any

from services.vendorsim.aispace import times
from services.vendorsim.aispace.capacity import Demand, Pool
from services.vendorsim.aispace.config import SPECS, AISpaceSimConfig, ResourceType, Spec, StartingPackage
from services.vendorsim.aispace.wire import AISpaceError, Code, invalid, not_found

_PURCHASE_FIELDS = (
    "queryPriceResult", "ratingKey", "specCode", "cycleCount", "cycleType", "amount", "tenantId", "departmentId",
    "name", "azId", "billingMode", "bizType", "regionId",
)  # fmt: skip
_CYCLES = ("Month", "Year")


@dataclass
class Project:
    id: int
    name: str
    describe: str
    created_at: float
    deleted: bool = False


@dataclass
class Package:
    row_id: int
    resource_id: str
    order_id: str
    name: str
    spec: Spec
    per_price_fen: int
    total_amount: int
    cycle_type: str
    cycle_count: int
    created_at: float
    end_at: float
    pool: Pool
    project_id: int | None = None
    deleted: bool = False

    @property
    def resource_type(self) -> ResourceType:
        return self.spec.resource_type

    @property
    def node(self) -> Demand:
        """One node of the package's spec."""
        return node_of(self.spec)


def node_of(spec: Spec) -> Demand:
    return Demand(spec.cpu, spec.gpu_count, spec.memory_gb)


class Resources:
    def __init__(self, config: AISpaceSimConfig) -> None:
        self._config = config
        self._packages: dict[str, Package] = {}
        self._projects: dict[int, Project] = {}
        self._next_row = 78  # the document's example row id
        self._next_order = 221189662184701952  # the document's example order id
        self._next_project = config.project_id

    # ---- projects (section 9)

    def create_project(self, name: str, describe: str, now: float) -> Project:
        if not name:
            raise invalid("name is required")
        if any(project.name == name and not project.deleted for project in self._projects.values()):
            raise AISpaceError(Code.ALREADY_EXISTS, f"project {name} already exists")
        project = Project(self._next_project, name, describe, now)
        self._next_project += 1
        self._projects[project.id] = project
        return project

    def project(self, project_id: Any) -> Project:
        try:
            project = self._projects.get(int(str(project_id)))
        except ValueError:
            project = None
        if project is None or project.deleted:
            raise not_found(f"project {project_id}")
        return project

    def project_name(self, project_id: int) -> str:
        """A project's name, deleted or not ("" for none)."""
        project = self._projects.get(project_id)
        return project.name if project else ""

    def delete_project(self, project_id: Any) -> None:
        project = self.project(project_id)
        project.deleted = True
        for package in self._packages.values():
            if package.project_id == project.id:
                package.project_id = None

    def relate(self, project_id: Any, resource_ids: Any, related: bool) -> int:
        project = self.project(project_id)
        if not isinstance(resource_ids, list) or not resource_ids:
            raise invalid("resourceIds must be a non-empty list")
        packages = [self.package(resource_id) for resource_id in resource_ids]
        for package in packages:
            if related and package.project_id not in (None, project.id):
                raise AISpaceError(Code.INCORRECT_STATE, f"{package.resource_id} belongs to another project")
            if not related and package.project_id != project.id:
                raise invalid(f"{package.resource_id} is not related to project {project.id}")
        for package in packages:
            package.project_id = project.id if related else None
        return len(packages)

    def project_rows(self) -> list[dict[str, Any]]:
        rows = []
        for project in self._projects.values():
            if project.deleted:
                continue
            bound = [p for p in self._packages.values() if p.project_id == project.id and not p.deleted]

            def names(kind: str, bound: list[Package] = bound) -> str:
                return ",".join(p.name for p in bound if p.resource_type == kind)

            rows.append(
                {
                    "id": project.id,
                    "name": project.name,
                    "describe": project.describe,
                    "projectUser": self._config.user_name,
                    "createTime": times.spaced(project.created_at),
                    "status": "使用中",
                    "completeResource": names("compute"),
                    "storageResource": names("storage"),
                    "exclusiveResource": names("exclusive"),
                    "cluster": self._config.region,
                }
            )
        return rows

    # ---- packages (sections 4, 5, 6)

    def purchase(self, body: Any, now: float, *, storage: bool) -> Package:
        if not isinstance(body, dict):
            raise invalid("the body must be a JSON object")
        missing = [name for name in _PURCHASE_FIELDS if body.get(name) in (None, "")]
        if missing:
            raise invalid(f"missing required fields: {', '.join(missing)}")
        spec = SPECS.get(str(body["specCode"]))
        if spec is None:
            raise invalid(f"unknown specCode {body['specCode']!r}")
        if (spec.resource_type == "storage") != storage:
            where = "/storage/resource" if spec.resource_type == "storage" else "/resource"
            raise invalid(f"{spec.code} is bought through {where}")
        if body["bizType"] != "Create":
            raise invalid("bizType must be Create for a purchase")
        if body["billingMode"] != "ByCycle":
            raise invalid("billingMode must be ByCycle")
        if body["cycleType"] not in _CYCLES:
            raise invalid("cycleType must be Month or Year")
        if body["regionId"] != self._config.region or body["tenantId"] != self._config.tenant_id:
            raise invalid("regionId or tenantId does not match the account")
        cycle_count = _positive_int(body["cycleCount"], "cycleCount")
        amount = _positive_int(body["amount"], "amount")
        total_fen, rating_value = _quote(body["queryPriceResult"])
        name = str(body["name"])
        if any(p.name == name and not p.deleted for p in self._packages.values()):
            raise AISpaceError(Code.ALREADY_EXISTS, f"a resource named {name} already exists")
        # [INFER] `amount` is how many nodes of the spec the package runs at once, and a ByHours compute quote
        # counts hours per node (ratingVal 100, amount 1 -> totalAmount 100 in the document's example): the
        # package holds ratingVal x amount node-hours. A ByAmount storage or pool quote counts `amount` (GB, pools).
        total_amount = rating_value * amount if rating_value else amount
        return self._add(
            spec, name, price_fen=total_fen, nodes=amount, total_amount=total_amount,
            cycle_type=str(body["cycleType"]), cycles=cycle_count, now=now,
        )  # fmt: skip

    def add_starting_package(self, start: StartingPackage, now: float) -> Package:
        spec = SPECS[start.spec_code]
        package = self._add(
            spec, start.name, price_fen=start.price_fen, nodes=start.nodes, total_amount=start.node_hours,
            cycle_type="Year", cycles=1, now=now,
        )  # fmt: skip
        package.project_id = self._config.project_id
        return package

    def _add(
        self, spec: Spec, name: str, *, price_fen: int, nodes: int, total_amount: int, cycle_type: str, cycles: int,
        now: float,
    ) -> Package:  # fmt: skip
        package = Package(
            row_id=self._next_row,
            resource_id=f"AIDP-{uuid.uuid4().hex}",
            order_id=self._order_id(),
            name=name,
            spec=spec,
            per_price_fen=price_fen,
            total_amount=total_amount,
            cycle_type=cycle_type,
            cycle_count=cycles,
            created_at=now,
            end_at=times.add_cycles(now, cycle_type, cycles),
            pool=Pool(node_of(spec).times(nodes)),
        )
        self._next_row += 1
        self._packages[package.resource_id] = package
        return package

    def _order_id(self) -> str:
        order_id = str(self._next_order)
        self._next_order += 2  # the document's trade ids are order id + 1
        return order_id

    def package(self, resource_id: Any) -> Package:
        package = self._packages.get(str(resource_id))
        if package is None or package.deleted:
            raise not_found(f"resource {resource_id}")
        return package

    def packages(self) -> list[Package]:
        return [p for p in self._packages.values() if not p.deleted]

    def advance(self, now: float) -> None:
        for package in self._packages.values():
            package.pool.advance(now)

    def used_amount(self, package: Package, now: float) -> int:
        """Amount consumed by `now`; it stops counting at the amount bought (running workloads go on)."""
        return min(package.total_amount, package.pool.consumed_units(now, self._config.amount_unit_s))

    def rest_amount(self, package: Package, now: float) -> int:
        return max(0, package.total_amount - self.used_amount(package, now))

    def usable(self, resource_id: Any, project_id: int, now: float) -> Package:
        """The compute package a workload of `project_id` may be created or started on now."""
        package = self.package(resource_id)
        if package.resource_type == "storage":
            raise invalid(f"{package.resource_id} is a storage resource")
        if package.project_id != project_id:
            raise invalid(f"{package.resource_id} is not related to project {project_id}")
        if now >= package.end_at:
            raise AISpaceError(Code.QUOTA_EXCEEDED, f"{package.resource_id} expired at {times.spaced(package.end_at)}")
        if self.rest_amount(package, now) <= 0:
            raise AISpaceError(Code.QUOTA_EXCEEDED, f"{package.resource_id} has no remaining amount")
        return package

    def unsubscribe(self, resource_id: str, body: Any, now: float) -> str:
        package = self.package(resource_id)
        if package.pool.busy(now):
            raise AISpaceError(Code.INCORRECT_STATE, f"{resource_id} still runs workloads")
        quote = body.get("queryPriceResult") if isinstance(body, dict) else None
        if not isinstance(quote, dict):
            raise invalid("queryPriceResult (the refund quote) is required")
        total, used, remain = (_count(quote.get(key), key) for key in ("totalFee", "usedFee", "remainFee"))
        if total != package.per_price_fen:
            raise invalid(f"totalFee {total} is not what was paid ({package.per_price_fen})")
        if remain != total - used:  # [DOC] remainFee = totalFee - usedFee
            raise invalid("remainFee must equal totalFee - usedFee")
        if used < self.used_fee(package, now):
            raise invalid(f"usedFee {used} is below what was used ({self.used_fee(package, now)})")
        refund_order = self._order_id()
        package.deleted = True
        return refund_order

    def used_fee(self, package: Package, now: float) -> int:
        """[INFER] Pro rata, rounded up: by amount used for compute packages, by time for storage and pools."""
        if package.resource_type == "compute":
            used, whole = self.used_amount(package, now), package.total_amount
            return min(package.per_price_fen, math.ceil(package.per_price_fen * used / whole)) if whole else 0
        fraction = (now - package.created_at) / max(1e-9, package.end_at - package.created_at)
        return min(package.per_price_fen, math.ceil(package.per_price_fen * max(0.0, fraction)))

    def view(self, package: Package, now: float) -> dict[str, Any]:
        """The list item / detail shape of 4.3, 4.4 and 5.3 (always with `resourceId`)."""
        spec, used = package.spec, self.used_amount(package, now)
        free = package.pool.free(now)
        project = self._projects.get(package.project_id) if package.project_id is not None else None
        computing = package.resource_type != "storage"
        changed = package.pool.last_change(now) or package.created_at
        return {
            "id": package.row_id,
            "name": package.name,
            "orderId": package.order_id,
            "tenantId": self._config.tenant_id,
            "departmentId": self._config.department_id,
            "project": project.name if project else "",  # [DOC] 项目名称: the project's name
            "specCode": spec.code,
            "specName": spec.name,
            "specCPU": str(spec.cpu) if computing else "",
            "specGpu": spec.gpu_text if computing else "",
            "specMemory": str(spec.memory_gb) if computing else "",
            "restCPU": str(free.cpu) if computing else "",
            "restGpu": (f"{free.gpu}({spec.gpu_model})" if free.gpu else "0") if computing else "",
            "restMemory": str(free.memory_gb) if computing else "",
            "endTime": times.spaced(package.end_at),
            "createUser": self._config.user_name,
            "createTime": times.ms(package.created_at),
            "updateUser": self._config.user_name,
            "updateTime": times.ms(changed),
            "resourceType": package.resource_type,
            "resourceState": 1,
            "regionId": self._config.region,
            "azId": self._config.az,
            "cellId": "",
            "resourceId": package.resource_id,
            "resourceGroupId": "",
            "billingMode": "ByCycle",
            "perPrice": package.per_price_fen,
            "feeUnit": 0,
            "cycleType": package.cycle_type,
            "delete": 0,
            "projectName": project.name if project else "",
            "tenantName": self._config.tenant_name,
            "departmentName": self._config.tenant_name,
            "resourceGroupName": "",
            "resourceStateName": "正常",
            "totalAmount": package.total_amount,
            "usedAmount": used,
            "restAmount": max(0, package.total_amount - used),
            "expireTime": times.spaced(package.end_at),
            "instanceType": "",
            "durationNum": 0,
            "beforeAmount": 0,
            "afterAmount": package.total_amount,
            "cycleCount": package.cycle_count,
            "specStorage": spec.code if package.resource_type == "storage" else "",
            "storageSize": str(package.total_amount) if package.resource_type == "storage" else "",
            "usageType": "2",
            "busId": "",
            "instanceName": "",
            "instanceTypeCode": 0,
            "internalGpuType": spec.gpu_model,
        }


def _quote(raw: Any) -> tuple[int, int]:
    """(payable total in fen, rated quantity) from `queryPriceResult`.

    `unitPrice` and `tips` sit inside `totalPrice` in one example and beside it in others; neither matters here.
    """
    if not isinstance(raw, dict) or not isinstance(raw.get("totalPrice"), dict):
        raise invalid("queryPriceResult.totalPrice is required")
    total = raw["totalPrice"]
    price, discount, payable = (_count(total.get(key), f"totalPrice.{key}") for key in ("price", "discount", "total"))
    if payable != price - discount:
        raise invalid("totalPrice.total must equal price - discount")
    details = total.get("priceDetailDTOS") or [{}]
    ratings = (details[0] if isinstance(details[0], dict) else {}).get("ratingKeyPriceDTOS") or [{}]
    first = ratings[0] if isinstance(ratings[0], dict) else {}
    return payable, _count(first.get("ratingVal", first.get("count", 0)), "ratingVal")


def _count(value: Any, name: str) -> int:
    """A non-negative integer (fen, amounts), sent as a number or a numeric string."""
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise invalid(f"{name} must be an integer")
    try:
        number = int(value)
    except ValueError:
        raise invalid(f"{name} must be an integer") from None
    if number < 0:
        raise invalid(f"{name} must not be negative")
    return number


def _positive_int(value: Any, name: str) -> int:
    number = _count(value, name)
    if number < 1:
        raise invalid(f"{name} must be at least 1")
    return number

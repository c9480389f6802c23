"""Strict JSON decoding of request bodies, the way the platform's Go server does it.

[EXT] the server rejects unknown fields (`json: unknown field "cpu_elastic_ratio"`) and values of
the wrong JSON type; `null` means "absent" (Go leaves the zero value). The document types every
request model, so each is declared here once.
"""

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Struct:
    name: str  # the Go type's name, used in error messages
    fields: dict[str, "FieldType"]


@dataclass(frozen=True)
class ListOf:
    item: "FieldType"


FieldType = type | Struct | ListOf


class DecodeError(ValueError):
    """The body does not decode into the request model; the message is the server's."""


def decode(value: Any, model: Struct) -> dict[str, Any]:
    """`value` checked against `model`: the present, non-null fields, nested models decoded too."""
    return _struct(value, model, model.name)


def _struct(value: Any, model: Struct, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise DecodeError(f"json: cannot unmarshal {_json_kind(value)} into Go value of type {model.name}")
    decoded: dict[str, Any] = {}
    for key, item in value.items():
        if key not in model.fields:
            raise DecodeError(f'json: unknown field "{key}"')
        if item is not None:
            decoded[key] = _field(item, model.fields[key], f"{where}.{key}")
    return decoded


def _field(value: Any, kind: FieldType, where: str) -> Any:
    if isinstance(kind, Struct):
        return _struct(value, kind, where)
    if isinstance(kind, ListOf):
        if not isinstance(value, list):
            raise _mismatch(value, where, "[]" + _go_name(kind.item))
        return [_field(item, kind.item, where) for item in value if item is not None]
    if kind is bool:
        ok = isinstance(value, bool)
    elif kind is int:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    else:
        ok = isinstance(value, kind)
    if not ok:
        raise _mismatch(value, where, _go_name(kind))
    return value


def _mismatch(value: Any, where: str, go_type: str) -> DecodeError:
    return DecodeError(f"json: cannot unmarshal {_json_kind(value)} into Go struct field {where} of type {go_type}")


def _go_name(kind: FieldType) -> str:
    if isinstance(kind, Struct):
        return kind.name
    if isinstance(kind, ListOf):
        return "[]" + _go_name(kind.item)
    return {str: "string", int: "int", float: "float64", bool: "bool"}[kind]


def _json_kind(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


# --------------------------------------------------------------------------- the document's request models

TOKEN_REQUEST = Struct("auth.GetAuthTokenReq", {"username": str, "password": str})
DETAIL_REQUEST = Struct("train.DetailReq", {"job_id": str})
STOP_REQUEST = Struct("train.StopReq", {"job_id": str})
# [EXT] `/openapi/v1/specs/list` body.
SPECS_REQUEST = Struct("spec.ListReq", {"logic_compute_group_id": str})

_ENV = Struct("train.Env", {"name": str, "value": str})
_DATASET = Struct("train.DatasetInfo", {"dataset_id": str, "path": str, "version_id": str})
_FRAMEWORK_CONFIG = Struct(
    "train.FrameworkConfigOpenAPI",
    {"spec_id": str, "image": str, "image_type": str, "instance_count": int, "shm_gi": float},
)
JOB_REQUEST = Struct(
    "train.JobOpenapi",
    {
        "auto_fault_tolerance": bool,
        "command": str,
        "dataset_info": ListOf(_DATASET),
        "enable_notification": bool,
        "enable_troubleshoot": bool,
        "envs": ListOf(_ENV),
        "framework": str,
        "framework_config": ListOf(_FRAMEWORK_CONFIG),
        "logic_compute_group_id": str,
        "max_running_time_ms": str,
        "name": str,
        "project_id": str,
        "reserve_on_fail_ms": str,
        "reserve_on_success_ms": str,
        "task_priority": int,
        "tb_summary_path": str,
        "workspace_id": str,
    },
)

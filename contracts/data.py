"""A job's data in and out: where each input or output lives, in its vendor's own terms, and which vendor that is.

A URI names the data as its vendor does: `obs://bucket/path` (ModelArts' OBS), `caip-volume://<id>` (a CAIP training
volume), `qizhi-dataset://<id>[@version][/path]` (a Qizhi dataset), `aispace-dataset://<id>` and
`aispace-storage://<id>` (an AI Space dataset or storage resource), or `https://...` for data any vendor can fetch.
Data on one vendor's storage ties the job to that vendor (placement follows the data); `https` ties it nowhere.
Outputs are written, so they must live on a vendor's writable storage (no `https`, no dataset).
"""

import re
from dataclasses import dataclass
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from contracts.inputs import storable_text

MAX_MOUNTS = 16  # inputs, and outputs, per job


@dataclass(frozen=True)
class DataLocation:
    """A parsed data URI: its scheme, the vendor whose storage holds it (None: anywhere), and the vendor's ids."""
    scheme: str
    vendor: str | None
    id: str  # the bucket (obs), volume, dataset or storage id; the whole URI for https
    path: str = ""  # obs: the object path under the bucket; qizhi: the path inside the dataset
    version: str | None = None  # qizhi: the dataset version


_ID = r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}"
_PATH = r"(?:/[^\s?#]*)?"
_PATTERNS: dict[str, tuple[str | None, re.Pattern[str]]] = {
    "obs": ("modelarts", re.compile(rf"^obs://(?P<id>[a-z0-9][a-z0-9.-]{{1,61}}[a-z0-9])(?P<path>{_PATH})$")),
    "caip-volume": ("caip", re.compile(rf"^caip-volume://(?P<id>{_ID})$")),
    "qizhi-dataset": ("qizhi", re.compile(
        rf"^qizhi-dataset://(?P<id>{_ID})(?:@(?P<version>{_ID}))?(?P<path>{_PATH})$")),
    "aispace-dataset": ("aispace", re.compile(r"^aispace-dataset://(?P<id>[0-9]{1,18})$")),
    "aispace-storage": ("aispace", re.compile(rf"^aispace-storage://(?P<id>{_ID})$")),
    "https": (None, re.compile(r"^https://[^\s/?#]+[^\s]*$")),
}
SCHEMES: tuple[str, ...] = tuple(_PATTERNS)
OUTPUT_SCHEMES: tuple[str, ...] = ("obs", "caip-volume", "aispace-storage")  # writable vendor storage


def parse_uri(uri: str) -> DataLocation:
    """The location a data URI names; ValueError (saying which forms are accepted) for any other."""
    scheme = uri.partition("://")[0]
    known = _PATTERNS.get(scheme)
    if known is None:
        raise ValueError(f"{uri!r}: a data URI starts with one of {', '.join(s + '://' for s in SCHEMES)}")
    vendor, pattern = known
    match = pattern.match(uri)
    if match is None:
        raise ValueError(f"{uri!r} is not a valid {scheme}:// URI")
    if scheme == "https":
        return DataLocation(scheme, None, uri)
    groups = match.groupdict()
    return DataLocation(scheme, vendor, groups["id"], (groups.get("path") or "").lstrip("/"), groups.get("version"))


def _valid_uri(uri: str) -> str:
    storable_text(uri)
    parse_uri(uri)
    return uri


def _valid_mount(mount: str) -> str:
    storable_text(mount)
    if not mount.startswith("/") or any(part in (".", "..") for part in mount.split("/")):
        raise ValueError(f"{mount!r}: a mount is an absolute path without . or .. parts")
    return mount


class DataMount(BaseModel):
    """One input or output: its name, where the data lives, and where the job sees it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z][A-Za-z0-9_]*$",
                      description="unique (in any case) among the job's inputs and outputs", examples=["data"])
    uri: Annotated[str, AfterValidator(_valid_uri)] = Field(
        max_length=1024, examples=["obs://my-bucket/imagenet/"],
        description="obs://bucket/path, caip-volume://<id>, qizhi-dataset://<id>[@version][/path], "
                    "aispace-dataset://<id>, aispace-storage://<id> or https://... (inputs only)")
    mount: Annotated[str, AfterValidator(_valid_mount)] = Field(
        max_length=256, examples=["/data/imagenet"], description="the absolute path the job reads or writes it at")

    @property
    def location(self) -> DataLocation:
        return parse_uri(self.uri)


def check_mounts(inputs: list[DataMount], outputs: list[DataMount]) -> str | None:
    """The vendor every vendor-held input and output lives on (None: none is), or ValueError when names or mounts
    repeat, an output is not writable storage, or the data lives on more than one vendor."""
    mounts = [*inputs, *outputs]
    # Names become environment variable names (upper case), so they must differ in more than case.
    for what, values in (("name", [m.name.upper() for m in mounts]), ("mount", [m.mount for m in mounts])):
        repeated = sorted({v for v in values if values.count(v) > 1})
        if repeated:
            raise ValueError(f"inputs and outputs repeat the {what} {', '.join(repeated)}")
    for output in outputs:
        if output.location.scheme not in OUTPUT_SCHEMES:
            raise ValueError(f"output {output.name!r}: an output is written to "
                             f"{', '.join(s + '://' for s in OUTPUT_SCHEMES)} storage, not {output.location.scheme}://")
    vendors = sorted({m.location.vendor for m in mounts if m.location.vendor is not None})
    if len(vendors) > 1:
        raise ValueError(f"inputs and outputs live on {' and '.join(vendors)}: one job runs on one vendor, "
                         f"so its data must be on one vendor's storage (or https)")
    return vendors[0] if vendors else None

"""What every adapter does alike with a job's data in and out (`SubmitRequest.inputs`, `outputs`).

Each vendor's own data goes onto that vendor's fields (its `wire.py`); placement has put the job on the vendor
holding it. An `https` input no vendor documents fetching, so it reaches the job's container as two environment
variables, `SWITCHYARD_INPUT_<NAME>_URL` (the address) and `SWITCHYARD_INPUT_<NAME>_DIR` (its mount), for the job
to fetch.
"""

from contracts.data import DataMount
from services.vendors.base import SubmitRequest
from services.vendors.errors import InvalidRequest


def job_env(req: SubmitRequest) -> dict[str, str]:
    """The job's environment: its own, then what its https inputs add."""
    env = dict(req.env)
    for mount in req.inputs:
        if mount.location.scheme == "https":
            env[f"SWITCHYARD_INPUT_{mount.name.upper()}_URL"] = mount.uri
            env[f"SWITCHYARD_INPUT_{mount.name.upper()}_DIR"] = mount.mount
    return env


def held_by(vendor: str, mounts: tuple[DataMount, ...]) -> list[DataMount]:
    """The mounts whose data `vendor` holds; InvalidRequest for one held by another vendor (placement keeps a job
    on its data's vendor, so this means a caller skipped it)."""
    elsewhere = [m.uri for m in mounts if m.location.vendor not in (None, vendor)]
    if elsewhere:
        raise InvalidRequest(vendor, f"{vendor} cannot reach {', '.join(elsewhere)}")
    return [m for m in mounts if m.location.vendor == vendor]

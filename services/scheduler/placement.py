"""Placement rules, as plain functions: which flavors can run a job, in which order to try them."""

import uuid

from contracts.jobs import Resources
from services.vendors.base import VendorFlavor


def vendor_job_name(job_id: uuid.UUID) -> str:
    """The vendor-side name of a job: derived from its id, so a retried submission finds the first."""
    return f"sy-{job_id.hex}"


def candidates(flavors: list[VendorFlavor], resources: Resources) -> list[VendorFlavor]:
    """Flavors that fit the request, cheapest first (ties broken by the smaller flavor, then by id)."""
    fitting = [
        f for f in flavors
        if f.available and f.accelerator == resources.accelerator and f.count >= resources.count
    ]
    return sorted(fitting, key=lambda f: (f.price_per_hour, f.count, f.flavor_id))

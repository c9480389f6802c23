"""Cambricon CAIP: batch training jobs through the Compute Server API, behind a Keystone-style login.

`adapter` (the VendorAdapter), `settings` (SWITCHYARD_CAIP_*), `auth` (login), `errors` (error codes),
`status` (Volcano phases), `wire` (bodies, jobs, times), `catalog` (flavors priced in credits).
"""

from services.vendors.caip.adapter import CaipAdapter
from services.vendors.caip.settings import CaipSettings

Adapter = CaipAdapter  # the class `make_adapter(vendor)` builds

__all__ = ["Adapter", "CaipAdapter", "CaipSettings"]

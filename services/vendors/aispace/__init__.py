"""CECSTACK AI Space: training jobs, LLM fine-tuning, notebooks and online services on the account's resource
packages, AK/SK signed.

`adapter` (the VendorAdapter), `settings` (SWITCHYARD_AISPACE_*), `auth` (signing), `errors` (error codes),
`status` (status words), `wire` (paths, bodies, envelopes, jobs, times), `catalog` (packages as flavors).
"""

from services.vendors.aispace.adapter import AISpaceAdapter
from services.vendors.aispace.catalog import ResourcePackage
from services.vendors.aispace.settings import AISpaceSettings

Adapter = AISpaceAdapter  # the class `make_adapter(vendor)` builds

__all__ = ["AISpaceAdapter", "AISpaceSettings", "Adapter", "ResourcePackage"]

"""Huawei ModelArts: training jobs, notebooks and inference services behind an IAM token or AK/SK signatures.

`adapter` (the VendorAdapter), `settings` (SWITCHYARD_MODELARTS_*, list prices), `auth` (token, AK/SK),
`errors` (error codes), `status` (status words), `wire` (bodies, jobs, times), `catalog` (flavors).
"""

from services.vendors.modelarts.adapter import ModelArtsAdapter
from services.vendors.modelarts.settings import DEFAULT_PRICES, ModelArtsSettings

Adapter = ModelArtsAdapter  # the class `make_adapter(vendor)` builds

__all__ = ["DEFAULT_PRICES", "Adapter", "ModelArtsAdapter", "ModelArtsSettings"]

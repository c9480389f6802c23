"""Qizhi (SII, 启智平台): distributed training jobs through the openapi, with a bearer token.

`adapter` (the VendorAdapter), `settings` (SWITCHYARD_QIZHI_*), `auth` (login), `errors` (codes and message
markers), `status` (status words), `wire` (paths, bodies, jobs, times), `catalog` (specs as flavors).
"""

from services.vendors.qizhi.adapter import QizhiAdapter
from services.vendors.qizhi.settings import QizhiSettings, StaticSpec

Adapter = QizhiAdapter  # the class `make_adapter(vendor)` builds

__all__ = ["Adapter", "QizhiAdapter", "QizhiSettings", "StaticSpec"]

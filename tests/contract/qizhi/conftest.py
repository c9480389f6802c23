"""Qizhi contract fixtures: `start_sim`, `sim` and `adapter` (tests/contract/support.py)."""

from tests.contract.support import vendor_fixtures

start_sim, sim, adapter = vendor_fixtures("qizhi")

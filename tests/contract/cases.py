"""Every vendor's case of the adapter contract (tests/contract/<vendor>/case.py), by vendor."""

from tests.contract.aispace.case import CASE as AISPACE
from tests.contract.caip.case import CASE as CAIP
from tests.contract.modelarts.case import CASE as MODELARTS
from tests.contract.qizhi.case import CASE as QIZHI
from tests.contract.support import VendorCase

CASES: dict[str, VendorCase] = {case.vendor: case for case in (MODELARTS, CAIP, QIZHI, AISPACE)}

"""The layering rules, read from the code's own imports: no service imports another, the shared layers import
no service, and the public gateway imports no vendor adapter (it holds no vendor credential)."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("gateway", "scheduler", "watcher", "billing", "notifier")
LIBRARIES = ("common", "vendors", "vendorsim")


def imports_of(folder: Path) -> dict[str, set[str]]:
    """Every module under `folder` (relative path) and the modules it imports."""
    found: dict[str, set[str]] = {}
    for path in folder.rglob("*.py"):
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        found[str(path.relative_to(ROOT))] = names
    return found


def offending(folder: str, forbidden: tuple[str, ...]) -> list[str]:
    return sorted(f"{module} imports {name}" for module, names in imports_of(ROOT / folder).items()
                  for name in names if any(name == f or name.startswith(f + ".") for f in forbidden))


@pytest.mark.parametrize("service", SERVICES)
def test_no_service_imports_another(service):
    others = tuple(f"services.{s}" for s in SERVICES if s != service)
    assert offending(f"services/{service}", others) == []


def test_the_public_gateway_imports_no_vendor_adapter():
    assert offending("services/gateway", ("services.vendors", "services.vendorsim")) == []


@pytest.mark.parametrize("library", LIBRARIES)
def test_shared_libraries_import_no_service(library):
    assert offending(f"services/{library}", tuple(f"services.{s}" for s in SERVICES)) == []


def test_common_imports_nothing_else_of_services():
    others = tuple(f"services.{s}" for s in (*SERVICES, "vendors", "vendorsim"))
    assert offending("services/common", others) == []


def test_contracts_import_no_service_and_payloads_never_the_envelope():
    assert offending("contracts", ("services",)) == []
    payloads = {m: names for m, names in imports_of(ROOT / "contracts").items() if m != "contracts/events.py"}
    assert sorted(m for m, names in payloads.items() if "contracts.events" in names) == []

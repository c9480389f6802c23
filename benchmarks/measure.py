"""What every benchmark needs to measure and report: the machine line, the versions it ran with, a free
local port, a process's resident memory, percentiles (nearest rank) and a figure beside its limit."""

import os
import platform
import socket
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

# The libraries whose releases move the figures; every benchmark prints their exact versions.
MEASURED_PACKAGES = ("faststream", "aiokafka", "asyncpg", "pydantic", "fastapi", "starlette", "uvicorn", "httpx")


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_gb = int(Path("/proc/meminfo").read_text().split()[1]) / 1024 / 1024
    load = os.getloadavg()
    return (f"{os.cpu_count()} cores ({cpu}), {mem_gb:.0f} GiB, Python {platform.python_version()}, "
            f"load average at start {load[0]:.2f}")


def versions() -> str:
    def installed(name: str) -> str:
        try:
            return version(name)
        except PackageNotFoundError:
            return "absent"
    return ", ".join([f"Python {platform.python_version()}"] + [f"{name} {installed(name)}" for name in MEASURED_PACKAGES])


def print_header(title: str) -> None:
    """The first lines of every benchmark's output: what ran, on what, with which versions."""
    print(f"== {title}")
    print(f"machine: {machine()}")
    print(f"versions: {versions()}")


def beside_limit(figure: float, limit: float) -> float:
    """The figure as a fraction of the thinnest honest loop over the same work on the same box."""
    return figure / limit if limit else float("nan")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int | None = None) -> float:
    status = Path(f"/proc/{pid or os.getpid()}/status").read_text()
    kb = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
    return kb / 1024


def percentile(values: list[float], q: float) -> float:
    """The value at fraction `q` (0.99 for p99) of the sorted values; NaN for none."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")

"""Hosts on one machine: each a Linux network namespace with one address on a private bridge, so processes in two
namespaces reach each other only over the network, as on two machines. The machine itself (the test) has the
bridge's first address and reaches every host. Needs root and `ip` (iproute2)."""

import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass, field

SUBNET = "10.213.0"  # a /24 of the sandbox's own, on a bridge that exists only during the run
PREFIX = "sycl"  # every link and namespace the run makes starts with it (its leftovers are recognised)


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30, check=check)


def unavailable_reason() -> str | None:
    """Why namespaces cannot be made here, or None when they can (tried with a namespace made and removed)."""
    if os.geteuid() != 0:
        return "network namespaces need root (ip netns add)"
    if shutil.which("ip") is None:
        return "the ip command (iproute2) is missing"
    probe = f"{PREFIX}-probe"
    _ip("netns", "del", probe, check=False)
    made = _ip("netns", "add", probe, check=False)
    if made.returncode != 0:
        return f"ip netns add fails here: {made.stderr.strip()}"
    _ip("netns", "del", probe, check=False)
    return None


@dataclass(frozen=True)
class Host:
    name: str  # its namespace
    address: str

    def command(self, argv: list[str]) -> list[str]:
        """argv run inside this host (`ip netns exec` execs it: the process's pid is the program's)."""
        return ["ip", "netns", "exec", self.name, *argv]

    def pids(self) -> list[int]:
        listed = _ip("netns", "pids", self.name, check=False)
        return [int(p) for p in listed.stdout.split()]


@dataclass
class Network:
    bridge: str = f"{PREFIX}br0"
    gateway: str = f"{SUBNET}.1"  # the machine's own address on the bridge
    hosts: dict[str, Host] = field(default_factory=dict)

    def up(self, hosts: dict[str, int]) -> dict[str, Host]:
        """A host per name, at the bridge's address ending in its number."""
        self.down()  # a run cut short may have left its bridge and namespaces
        _ip("link", "add", self.bridge, "type", "bridge")
        _ip("addr", "add", f"{self.gateway}/24", "dev", self.bridge)
        _ip("link", "set", self.bridge, "up")
        for name, number in hosts.items():
            host = Host(f"{PREFIX}-{name}", f"{SUBNET}.{number}")
            veth = f"v{PREFIX}{number}"
            _ip("netns", "add", host.name)
            _ip("link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", host.name)
            _ip("link", "set", veth, "master", self.bridge, "up")
            _ip("-n", host.name, "addr", "add", f"{host.address}/24", "dev", "eth0")
            _ip("-n", host.name, "link", "set", "eth0", "up")
            _ip("-n", host.name, "link", "set", "lo", "up")
            self.hosts[name] = host
        return self.hosts

    def kill_everything_in(self, host: Host) -> list[int]:
        """SIGKILL every process in the host's namespace: the host is lost at once."""
        pids = host.pids()
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        deadline = time.monotonic() + 10
        while host.pids() and time.monotonic() < deadline:
            time.sleep(0.1)
        return pids

    def down(self) -> None:
        """Every process left in the run's namespaces killed, the namespaces and the bridge removed."""
        names = [line.split()[0] for line in _ip("netns", "list", check=False).stdout.splitlines() if line.strip()]
        for name in names:
            if name.startswith(f"{PREFIX}-"):
                self.kill_everything_in(Host(name, ""))
                _ip("netns", "del", name, check=False)
        _ip("link", "del", self.bridge, check=False)
        self.hosts.clear()

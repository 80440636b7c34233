"""Hosts on one machine: network namespaces joined by a bridge, on a subnet seen nowhere else.

Every address lives only inside namespaces this module creates (the bridge sits in a
namespace of its own, the machine's own interfaces never get one), so nothing the test does
can reach, or be reached from, any real network. Needs root (`ip netns`).
"""

import ctypes
import os
import shutil
import subprocess
import uuid
from dataclasses import dataclass, field

CLONE_NEWNET = 0x40000000
SUBNET = "10.231.7"
_libc = ctypes.CDLL(None, use_errno=True)


def available() -> str | None:
    """Why namespaces cannot be used here, or None when they can."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    if shutil.which("ip") is None:
        return "iproute2 (`ip`) is not installed"
    return None


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=20)


@dataclass
class Network:
    """A bridge in its own namespace, and hosts (namespaces) plugged into it by veth pairs."""

    prefix: str = field(default_factory=lambda: "jf" + uuid.uuid4().hex[:6])
    hosts: dict[str, str] = field(default_factory=dict)  # host name → address
    _namespaces: list[str] = field(default_factory=list)

    @property
    def switch(self) -> str:
        return f"{self.prefix}-sw"

    def netns(self, host: str) -> str:
        return f"{self.prefix}-{host}"

    def create(self) -> None:
        self._add_namespace(self.switch)
        _ip("-n", self.switch, "link", "add", "br0", "type", "bridge")
        _ip("-n", self.switch, "link", "set", "br0", "up")

    def _add_namespace(self, name: str) -> None:
        _ip("netns", "add", name)
        self._namespaces.append(name)
        _ip("-n", name, "link", "set", "lo", "up")

    def add_host(self, host: str, number: int) -> str:
        """A namespace with one interface, eth0, at SUBNET.number on the bridge."""
        ns, address = self.netns(host), f"{SUBNET}.{number}"
        self._add_namespace(ns)
        # Interface names are at most 15 characters; both ends are created in the switch
        # namespace, so they never appear, even briefly, among the machine's own interfaces.
        outer, inner = f"v{number}o", f"v{number}i"
        _ip("-n", self.switch, "link", "add", outer, "type", "veth", "peer", "name", inner)
        _ip("-n", self.switch, "link", "set", inner, "netns", ns)
        _ip("-n", self.switch, "link", "set", outer, "master", "br0", "up")
        _ip("-n", ns, "link", "set", inner, "name", "eth0")
        _ip("-n", ns, "addr", "add", f"{address}/24", "dev", "eth0")
        _ip("-n", ns, "link", "set", "eth0", "up")
        self.hosts[host] = address
        return address

    def unplug(self, host: str) -> None:
        """Pull the host's cable: its interface goes down, as when the machine dies."""
        _ip("-n", self.netns(host), "link", "set", "eth0", "down")

    def command(self, host: str, argv: list[str]) -> list[str]:
        return ["ip", "netns", "exec", self.netns(host), *argv]

    def enter(self, host: str) -> None:
        """Move the calling thread (only it) into the host's namespace."""
        fd = os.open(f"/run/netns/{self.netns(host)}", os.O_RDONLY)
        try:
            if _libc.setns(fd, CLONE_NEWNET) != 0:
                errno = ctypes.get_errno()
                raise OSError(errno, os.strerror(errno))
        finally:
            os.close(fd)

    def destroy(self) -> None:
        for name in reversed(self._namespaces):
            subprocess.run(["ip", "netns", "delete", name], capture_output=True, timeout=20)
        self._namespaces.clear()

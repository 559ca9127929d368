"""What the host knows of its own processes, read from /proc: who owns a pid, its children, its namespaces."""

from __future__ import annotations

import contextlib
import os
import signal
import time


def proc_uid(pid: int) -> int | None:
    """The real uid of pid, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"Uid:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def kill_uid(uid: int, timeout: float = 5.0) -> bool:
    """SIGKILL every host process whose real uid is uid until none is left. True when none is left."""
    deadline = time.monotonic() + timeout
    while True:
        found = [pid for pid in pids() if proc_uid(pid) == uid]
        if not found:
            return True
        if time.monotonic() > deadline:
            return False
        for pid in found:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.01)


def children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children", "rb") as f:
            return [int(x) for x in f.read().split()]
    except (OSError, ValueError):
        return []


def ns_inode(pid: int, ns: str) -> str | None:
    """The identity of pid's namespace of kind ns ("pid", "net"...), e.g. "pid:[4026532201]"."""
    try:
        return os.readlink(f"/proc/{pid}/ns/{ns}")
    except OSError:
        return None

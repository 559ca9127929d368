"""Memory and pids cgroups of a slot (root only).

rlimits bound each process, not what they hold together: tmpfs pages, memfd and pipe buffers escape RLIMIT_AS. A
memory cgroup bounds the whole box. cgroup v1 (memory, pids) and v2 are handled; without a writable hierarchy (or
with SANDBOX_CGROUPS=0) the box runs with rlimits and size-capped tmpfs only.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

from labs.sandbox import Limits
from labs.sandbox.settings import SandboxSettings

CGROUP_NAME = "twelve-factor-sandbox"


def slot_cgroups(settings: SandboxSettings, uid: int, limits: Limits) -> list[str]:
    """The cgroup.procs files every process of the slot's box joins, or [] when cgroups are not usable."""
    if not settings.cgroups:
        return []
    root = settings.cgroup_root
    pids_max = 2 * limits.processes + 16
    try:
        if (root / "cgroup.controllers").exists():  # v2
            base = root / CGROUP_NAME
            base.mkdir(exist_ok=True)
            for parent in (root, base):
                (parent / "cgroup.subtree_control").write_text("+memory +pids")
            group = base / f"slot-{uid}"
            group.mkdir(exist_ok=True)
            _kill_members(group / "cgroup.procs")
            (group / "memory.max").write_text(str(limits.box_memory))
            (group / "memory.swap.max").write_text("0")
            (group / "pids.max").write_text(str(pids_max))
            return [str(group / "cgroup.procs")]
        files = []
        for controller, values in (
            ("memory", {"memory.limit_in_bytes": limits.box_memory}),
            ("pids", {"pids.max": pids_max}),
        ):
            if not (root / controller).is_dir():
                continue
            group = root / controller / CGROUP_NAME / f"slot-{uid}"
            group.mkdir(parents=True, exist_ok=True)
            _kill_members(group / "cgroup.procs")
            for name, value in values.items():
                (group / name).write_text(str(value))
            files.append(str(group / "cgroup.procs"))
        return files
    except OSError:
        return []


def _kill_members(procs: Path) -> None:
    """SIGKILL whatever a crashed grader left in a slot's cgroup."""
    for _ in range(50):
        members = [int(p) for p in procs.read_text().split()]
        if not members:
            return
        for pid in members:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.01)

"""The sandbox's settings, read from the environment once, when a backend is made (never at import).

Every variable is listed in `.env.example` with its default.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    try:
        return int(env.get(name, default))
    except ValueError:
        return default


def _default_lock_dir(euid: int) -> Path:
    # /run/lock is root's; an unprivileged grader keeps its (single) slot lock under /tmp.
    return Path("/run/lock/twelve-factor-sandbox" if euid == 0 else f"/tmp/twelve-factor-sandbox-{euid}")


@dataclass(frozen=True)
class SandboxSettings:
    backend: str = "bwrap"  # SANDBOX_BACKEND
    uid_base: int = 10001  # SANDBOX_UID_BASE: host uid of slot 0 (root only)
    slots: int = 16  # SANDBOX_SLOTS: boxes open at once on this host
    slot_wait_seconds: int = 120  # SANDBOX_SLOT_WAIT_SECONDS: then the grade fails as ours and is retried
    lock_dir: Path = Path("/run/lock/twelve-factor-sandbox")  # SANDBOX_LOCK_DIR: one flock file per slot
    cgroups: bool = True  # SANDBOX_CGROUPS=0 turns the per-slot memory and pids cgroups off
    cgroup_root: Path = Path("/sys/fs/cgroup")  # SANDBOX_CGROUP_ROOT
    staging_dir: Path = Path("/var/cache/twelve-factor-sandbox")  # SANDBOX_STAGING_DIR: copies slot uids can read
    nice: int = 10  # GRADING_NICE (0-19): box processes run below the site (labs/sandbox/priority.py)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SandboxSettings:
        env = os.environ if env is None else env
        return cls(
            backend=env.get("SANDBOX_BACKEND") or "bwrap",
            uid_base=_int(env, "SANDBOX_UID_BASE", 10001),
            slots=max(1, _int(env, "SANDBOX_SLOTS", 16)),
            slot_wait_seconds=max(0, _int(env, "SANDBOX_SLOT_WAIT_SECONDS", 120)),
            lock_dir=Path(env.get("SANDBOX_LOCK_DIR") or _default_lock_dir(os.geteuid())),
            cgroups=env.get("SANDBOX_CGROUPS", "1") != "0",
            cgroup_root=Path(env.get("SANDBOX_CGROUP_ROOT") or "/sys/fs/cgroup"),
            staging_dir=Path(env.get("SANDBOX_STAGING_DIR") or "/var/cache/twelve-factor-sandbox"),
            nice=min(19, max(0, _int(env, "GRADING_NICE", 10))),
        )

"""Slots: how several graders on one host share it. Each slot is a lock file and, as root, a host uid of its own.

As root every box runs as a dedicated host uid (SANDBOX_UID_BASE + slot) because RLIMIT_NPROC does not bind root,
and a slot is held with an flock so several worker processes can grade at once without sharing a uid.
"""

from __future__ import annotations

import fcntl
import os
import time
from dataclasses import dataclass

from labs.sandbox import SandboxError
from labs.sandbox.bwrap.host import kill_uid
from labs.sandbox.settings import SandboxSettings


@dataclass
class Slot:
    lock_fd: int  # -1 when not root (no slots: the grader's own uid)
    uid: int | None  # the host uid the box runs as, None when not root

    def release(self) -> None:
        if self.lock_fd >= 0:
            os.close(self.lock_fd)
            self.lock_fd = -1


def acquire(settings: SandboxSettings, timeout: float | None = None) -> Slot:
    """Block until a slot is free, at most `timeout` seconds (SANDBOX_SLOT_WAIT_SECONDS by default); then it is
    the grader's fault (SandboxError), and the grade is retried."""
    if os.geteuid() != 0:
        return Slot(lock_fd=-1, uid=None)
    timeout = settings.slot_wait_seconds if timeout is None else timeout
    settings.lock_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    deadline = time.monotonic() + timeout
    while True:
        for slot in range(settings.slots):
            fd = os.open(settings.lock_dir / f"slot-{slot}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            uid = settings.uid_base + slot
            # A grader that died hard may have left processes of this uid behind: they go first.
            kill_uid(uid)
            return Slot(lock_fd=fd, uid=uid)
        if time.monotonic() > deadline:
            raise SandboxError(f"no free sandbox slot among {settings.slots} after {timeout:.0f} s")
        time.sleep(0.1)

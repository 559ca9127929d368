"""A process started in a box, seen from the host: its nsenter, the learner's process under it, and the pumps
that drain its output."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from collections.abc import Sequence

from labs.sandbox import Process
from labs.sandbox.bwrap.host import children


class OutputPump(threading.Thread):
    """Drains a pipe to EOF, keeping the first `cap` bytes; the rest is read and dropped, so a flood neither blocks
    the process nor fills our memory."""

    def __init__(self, fd: int, cap: int) -> None:
        super().__init__(daemon=True)
        self.fd = fd
        self.cap = cap
        self.buf = bytearray()
        self.total = 0
        self.lock = threading.Lock()
        self.start()

    def run(self) -> None:
        try:
            while True:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                with self.lock:
                    self.total += len(chunk)
                    room = self.cap - len(self.buf)
                    if room > 0:
                        self.buf += chunk[:room]
        finally:
            with contextlib.suppress(OSError):
                os.close(self.fd)

    def value(self) -> bytes:
        with self.lock:
            return bytes(self.buf)

    @property
    def truncated(self) -> bool:
        return self.total > self.cap


class BwrapProcess(Process):
    def __init__(
        self, popen: subprocess.Popen[bytes], argv: Sequence[str], started_at: float, *, output_cap: int
    ) -> None:
        self.popen = popen
        self.argv = list(argv)
        self.started_at = started_at
        assert popen.stdout is not None and popen.stderr is not None
        self._out = OutputPump(os.dup(popen.stdout.fileno()), output_cap)
        self._err = OutputPump(os.dup(popen.stderr.fileno()), output_cap)
        popen.stdout.close()
        popen.stderr.close()
        self._child: int | None = None

    def _child_pid(self, wait: float = 2.0) -> int | None:
        """Host pid of the learner's process: nsenter forks it into the box and only waits for it."""
        if self._child is not None:
            # Still ours? (nsenter reaps it; its pid may be reused only after that.)
            return self._child if self._child in children(self.popen.pid) else None
        deadline = time.monotonic() + wait
        while self.popen.poll() is None:
            kids = children(self.popen.pid)
            if kids:
                self._child = kids[0]
                return self._child
            if time.monotonic() > deadline:
                return None
            time.sleep(0.001)
        return None

    def signal(self, sig: int) -> None:
        pid = self._child_pid()
        if pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, sig)

    def wait(self, timeout: float) -> int | None:
        try:
            return self.popen.wait(timeout=max(0.0, timeout))
        except subprocess.TimeoutExpired:
            return None

    def kill(self) -> None:
        pid = self._child_pid(wait=0.2)
        for target in (pid, self.popen.pid):
            if target is not None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(target, signal.SIGKILL)
                with contextlib.suppress(ProcessLookupError):
                    os.kill(target, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.popen.wait(timeout=5)

    def alive(self) -> bool:
        return self.popen.poll() is None

    def stdout(self) -> bytes:
        return self._out.value()

    def stderr(self) -> bytes:
        return self._err.value()

    @property
    def output_truncated(self) -> bool:
        return self._out.truncated or self._err.truncated

    @property
    def returncode(self) -> int | None:
        return self.popen.poll()

    def join_output(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for pump in (self._out, self._err):
            pump.join(max(0.0, deadline - time.monotonic()))

    def feed(self, data: bytes) -> None:
        """Write data to its stdin from a thread of its own, then close it (a process that never reads must not
        block us)."""
        threading.Thread(target=_feed, args=(self.popen, data), daemon=True).start()


def _feed(popen: subprocess.Popen[bytes], data: bytes) -> None:
    assert popen.stdin is not None
    try:
        popen.stdin.write(data)
    except (BrokenPipeError, OSError):
        pass
    finally:
        with contextlib.suppress(OSError):
            popen.stdin.close()

"""Run untrusted learner code in a box, and observe it only from the host.

One interface, several possible backends (bubblewrap now; room for Docker/gVisor on hosts with an engine).
A typical grading session::

    backend = get_backend()          # SANDBOX_BACKEND, default "bwrap"
    backend.check()                  # raises SandboxUnavailable("sandbox unavailable: <why>")
    with backend.open(source_dir, limits=Limits(), ro_mounts={"/wheelhouse": wheelhouse}) as box:
        box.run(["python3", "-m", "venv", ".venv"], timeout=60)
        web = box.start(["sh", "-c", "exec .venv/bin/gunicorn app:app"], env={"PORT": "8000"})
        box.listening()              # [("0.0.0.0", 8000)] read by the host from the box's /proc/<pid>/net/tcp*
        box.http(8000, "/", timeout=5)
        web.signal(signal.SIGTERM); web.wait(10)
        box.files()                  # what the learner's code left in /workspace, listed by our own command
    # leaving the block kills every process of the box and drops its workspace

What every process in a box gets (whatever the backend):

- an environment built from scratch: `BASE_ENV` plus the `env=` the caller passes; nothing of the host's
  environment. A value that equals a secret of the host's environment (SECRET_KEY, DATABASE_URL, broker URLs,
  anything named *KEY*, *SECRET*, *TOKEN*, *PASSWORD*, *_URL) is refused with ValueError, so a grader bug cannot
  leak one in.
- no network but a private loopback (the host's loopback is another namespace), a read-only system, a writable
  size-capped /workspace (persistent for the life of the box, shared by all its processes) and /tmp, uid nobody
  (65534) inside, a new session, no controlling terminal.
- rlimits per process: CPU seconds, address space, file size, open files; the process count is for the whole box.
  What rlimits cannot see (tmpfs pages, memfd, pipes) is bounded for the whole box by a memory cgroup when the
  grader is root and a cgroup hierarchy is writable; nested user namespaces are forbidden (they would allow
  mounting an uncapped tmpfs) and System V shared memory is capped.
- a wall clock: `timeout` per run(), and `Limits.wall_seconds` for the whole box (after it the box is killed).
- stdout/stderr read by our own pipes, keeping at most `Limits.output_bytes` of each stream (the rest is drained and
  dropped, so a flood neither blocks the process nor fills our memory).

Verdicts must come from what the host observes (exit status, `http()`, `listening()`, our pipes), never from
what the learner's code prints. The host never opens or follows a path inside the workspace once learner code
has run: `files()` lists it from inside with our own trusted command.

Threads: a box's processes die with the *thread* that opened the box (--die-with-parent uses PR_SET_PDEATHSIG).
Open a box from a thread that outlives it (e.g. the worker's main thread), not from a short-lived helper thread.
"""

from __future__ import annotations

import os
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

__all__ = [
    "BASE_ENV",
    "Backend",
    "Box",
    "BoxClosed",
    "Completed",
    "HttpResult",
    "Limits",
    "ProbeError",
    "Process",
    "SandboxError",
    "SandboxUnavailable",
    "WorkspaceEntry",
    "get_backend",
    "sandbox_env",
]

MiB = 1024 * 1024

# The whole environment a sandboxed process starts from; callers add what the app needs (PORT, a dummy
# SECRET_KEY, DATABASE_URL of a backing service inside the box...).
BASE_ENV: Mapping[str, str] = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": "/tmp",
    "TMPDIR": "/tmp",
    "LANG": "C.UTF-8",
    "LC_ALL": "C.UTF-8",
    "PYTHONUNBUFFERED": "1",
    "PIP_NO_INPUT": "1",
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
}

# Host variables whose values must never reach a box, whatever the caller passes.
_SECRET_NAME = re.compile(r"SECRET|KEY|TOKEN|PASSWORD|PASSWD|CREDENTIAL|_URL$|_DSN$|^DATABASE|BROKER")


class SandboxError(Exception):
    """Base class of the sandbox's own failures (an application error, not a learner's)."""


class SandboxUnavailable(SandboxError):
    """No working sandbox on this host. str() reads "sandbox unavailable: <why>". Never run unsandboxed."""

    def __init__(self, why: str) -> None:
        super().__init__(why if why.startswith("sandbox unavailable") else f"sandbox unavailable: {why}")


class ProbeError(SandboxError):
    """A host-side probe (http()) could not connect, or got no complete response in time."""


class BoxClosed(SandboxError):
    """The box was closed (by the caller, or because its wall-clock limit passed)."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of one box. Per process unless said otherwise."""

    wall_seconds: float = 300.0  # lifetime of the whole box; the box is killed after it
    cpu_seconds: int = 120  # RLIMIT_CPU (SIGXCPU, then SIGKILL one second later)
    memory_bytes: int = 2048 * MiB  # RLIMIT_AS (address space; generous because of thread stacks and mmaps)
    processes: int = 128  # RLIMIT_NPROC, counted for the whole box (one host uid per box)
    file_size_bytes: int = 64 * MiB  # RLIMIT_FSIZE
    open_files: int = 1024  # RLIMIT_NOFILE (uv installing a lock of some 130 packages can need over 256)
    output_bytes: int = 1 * MiB  # kept per stream (stdout, stderr) per process
    workspace_bytes: int = 512 * MiB  # size of the /workspace tmpfs
    tmp_bytes: int = 128 * MiB  # size of the /tmp tmpfs (and a small /dev/shm; also the System V shm cap)
    # All processes and tmpfs pages of the box together (a memory cgroup, as root where cgroups are writable);
    # None: 2 * memory_bytes + workspace_bytes + tmp_bytes.
    box_memory_bytes: int | None = None

    @property
    def box_memory(self) -> int:
        return self.box_memory_bytes or 2 * self.memory_bytes + self.workspace_bytes + self.tmp_bytes


@dataclass(frozen=True)
class Completed:
    """The result of Box.run().

    exit_code follows subprocess: >= 0 is the exit status, negative is the signal that killed the process
    (-15 for SIGTERM, which a shell would show as 143); None when we killed it because the timeout passed.
    """

    exit_code: int | None
    stdout: bytes
    stderr: bytes
    timed_out: bool
    duration: float
    output_truncated: bool = False  # True when stdout or stderr went past Limits.output_bytes


@dataclass(frozen=True)
class HttpResult:
    status: int
    headers: Mapping[str, str]  # names lower-cased; repeated headers joined with ", "
    body: bytes  # at most `max_body` bytes (see Box.http)
    elapsed: float  # seconds from connect to the end of the body
    truncated: bool = False


@dataclass(frozen=True)
class WorkspaceEntry:
    path: str  # relative to /workspace, "/"-separated
    size: int
    is_dir: bool
    is_symlink: bool = False  # listed, never followed


class Process(ABC):
    """A process started with Box.start(). It belongs to its box and dies with it at the latest."""

    started_at: float  # time.monotonic() when it was started
    argv: Sequence[str]

    @abstractmethod
    def signal(self, sig: int) -> None:
        """Send sig to the process itself (not its children; a server forwards to its workers)."""

    @abstractmethod
    def wait(self, timeout: float) -> int | None:
        """Wait up to timeout seconds; the exit status as in Completed.exit_code, or None if still running."""

    @abstractmethod
    def kill(self) -> None:
        """SIGKILL the process and its process group; returns once it is reaped (or after a few seconds)."""

    @abstractmethod
    def alive(self) -> bool: ...

    @abstractmethod
    def stdout(self) -> bytes:
        """What it wrote to stdout so far, at most Limits.output_bytes."""

    @abstractmethod
    def stderr(self) -> bytes: ...

    @property
    @abstractmethod
    def output_truncated(self) -> bool: ...

    @property
    @abstractmethod
    def returncode(self) -> int | None: ...


class Box(ABC):
    """A running sandbox: one workspace, one network namespace, one PID namespace, shared by its processes.

    Use as a context manager; close() kills every process of the box and drops the workspace.
    """

    limits: Limits

    @abstractmethod
    def run(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] = {},  # noqa: B006 (read-only)
        timeout: float,
        cwd: str = "/workspace",
        stdin: bytes | None = None,
    ) -> Completed:
        """Run argv to completion (or until timeout, then kill it and its process group).

        Children it left behind (daemons) keep running until kill_all() or close().
        Raises BoxClosed when the box is closed or past its wall-clock limit.
        """

    @abstractmethod
    def start(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] = {},  # noqa: B006
        cwd: str = "/workspace",
    ) -> Process:
        """Start argv in the background; it shares the box's workspace and private loopback."""

    @abstractmethod
    def listening(self) -> list[tuple[str, int]]:
        """TCP sockets listening in the box, as (address, port), read by the host from the box's
        /proc/<pid>/net/tcp and tcp6: ("127.0.0.1", 8000), ("0.0.0.0", 8000), ("::", 8000), ("::1", 8000)."""

    @abstractmethod
    def http(
        self,
        port: int,
        path: str = "/",
        *,
        method: str = "GET",
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float,
        host: str = "127.0.0.1",
        max_body: int = 1 * MiB,
        arriving_for: float = 0.0,
    ) -> HttpResult:
        """One HTTP/1.1 request to host:port inside the box's network namespace, made by our code on the host.

        timeout bounds the whole exchange (connect, headers and body). arriving_for > 0 sends the request line
        at once and the end of the headers that many seconds later: a request the server has accepted but is
        still receiving, which a draining server answers and one that exits at once drops. Raises ProbeError on
        connection failure, a malformed response or timeout.
        """

    @abstractmethod
    def files(self, *, max_entries: int = 10_000) -> list[WorkspaceEntry]:
        """Everything under /workspace, listed from inside the box by our own command; links are not followed."""

    @abstractmethod
    def kill_all(self) -> None:
        """SIGKILL every process in the box (the workspace stays): a clean slate between phases."""

    @abstractmethod
    def close(self) -> None:
        """Kill everything, drop the workspace, free the slot. Idempotent."""

    def __enter__(self) -> Box:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class Backend(ABC):
    name: str

    @abstractmethod
    def check(self) -> None:
        """Raise SandboxUnavailable("sandbox unavailable: <why>") unless boxes can be opened here."""

    @abstractmethod
    def open(
        self,
        source_dir: Path,
        *,
        limits: Limits = Limits(),  # noqa: B008 (frozen)
        ro_mounts: Mapping[str, Path] = {},  # noqa: B006
    ) -> Box:
        """Open a box whose /workspace is a copy of source_dir; ro_mounts maps box paths to host paths
        mounted read-only (e.g. {"/wheelhouse": Path("var/wheelhouse")}). Raises SandboxUnavailable."""


def sandbox_env(extra: Mapping[str, str] = {}) -> dict[str, str]:  # noqa: B006
    """BASE_ENV plus extra, refusing any value that carries a secret of the host's environment."""
    env = {**BASE_ENV, **extra}
    secrets = [value for name, value in os.environ.items() if _SECRET_NAME.search(name.upper()) and len(value) >= 6]
    for name, value in env.items():
        if "\0" in name or "=" in name or "\0" in value:
            raise ValueError(f"invalid environment variable {name!r}")
        if any(secret in value for secret in secrets):
            raise ValueError(f"refusing to pass a host secret into the sandbox (variable {name})")
    return env


def get_backend(name: str | None = None) -> Backend:
    """The backend called name, else $SANDBOX_BACKEND, else "bwrap", with settings read from the environment now.
    Raises SandboxUnavailable if unknown."""
    from labs.sandbox.settings import SandboxSettings

    settings = SandboxSettings.from_env()
    name = name or settings.backend
    if name == "bwrap":
        from labs.sandbox.bwrap import BwrapBackend

        return BwrapBackend(settings)
    raise SandboxUnavailable(f"unknown sandbox backend {name!r} (known: bwrap)")

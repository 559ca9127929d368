"""The bubblewrap backend.

Shape: one long-lived bwrap per box holds the namespaces (user, mount, PID, network, IPC, UTS, cgroup) and the
size-capped tmpfs workspace; its command is `sleep infinity` under bwrap's own reaper (PID 1 of the box).
Every run()/start() enters those namespaces with util-linux `nsenter` (as the slot's unprivileged host uid, the
owner of the box's user namespace, so no root process ever enters a box) under `prlimit`. Killing the box's
PID 1 makes the kernel kill every process in its PID namespace, and the workspace, a tmpfs of its mount
namespace, goes with it.

As root, each box runs as a dedicated host uid (SANDBOX_UID_BASE + slot, default 10001..), because RLIMIT_NPROC
does not bind root; a slot is held with an flock on a lock file, so several workers (processes) can grade at once.
As root, each slot also has memory and pids cgroups (v1 or v2) that every process of the box joins before it
drops to the slot uid. Without root: no slots (our own uid), no cgroups, and HTTP probes get their socket from a
helper process, since only root may setns into the box's network namespace from a thread.

Host tools: bwrap (Debian bubblewrap), nsenter, prlimit, setpriv (util-linux), and /usr/bin/python3 for the
one-off helper that locks the box down (and, inside, for learners' apps).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import hashlib
import http.client
import io
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import tarfile
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from labs.sandbox import (
    Backend,
    Box,
    BoxClosed,
    Completed,
    HttpResult,
    Limits,
    ProbeError,
    Process,
    SandboxError,
    SandboxUnavailable,
    WorkspaceEntry,
    sandbox_env,
)

NOBODY = 65534
CLONE_NEWNET = 0x40000000

# Read-only pieces of the host's /etc a Python or Node program needs; nothing with secrets.
ETC_FILES = (
    "alternatives",
    "ca-certificates",
    "ca-certificates.conf",
    "ssl",
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "localtime",
    "mime.types",
    "protocols",
    "services",
    "debian_version",
    "os-release",
    "python3",
    "python3.11",
)
PASSWD = "root:x:0:0:root:/root:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/tmp:/usr/sbin/nologin\n"
GROUP = "root:x:0:\nnogroup:x:65534:\n"
HOSTS = "127.0.0.1\tlocalhost box\n::1\tlocalhost ip6-localhost ip6-loopback\n"
NSSWITCH = "passwd: files\ngroup: files\nhosts: files\n"


# Runs (with -I -S) in the box's user and network namespaces when we may not setns ourselves: for each request
# byte ("4" or "6") it creates a TCP socket there and passes it back over the control socket.
SOCKET_HELPER = """
import socket, sys
ctl = socket.socket(fileno=int(sys.argv[1]))
while True:
    req = ctl.recv(1)
    if not req:
        break
    s = socket.socket(socket.AF_INET6 if req == b"6" else socket.AF_INET, socket.SOCK_STREAM)
    socket.send_fds(ctl, [b"k"], [s.fileno()])
    s.close()
"""


# Runs outside the box, as root when the grader is root, else as the owner of the box's user namespace.
LOCKDOWN = """
import ctypes, os, sys
libc = ctypes.CDLL(None, use_errno=True)
pid, shm_bytes = sys.argv[1], int(sys.argv[2])

def enter(ns, flag):
    fd = os.open(f"/proc/{pid}/ns/{ns}", os.O_RDONLY)
    if libc.setns(fd, flag) != 0:
        sys.exit(f"setns {ns}: " + os.strerror(ctypes.get_errno()))
    os.close(fd)

if os.geteuid() == 0:
    # System V shared memory escapes every rlimit: cap it in the box's IPC namespace. Its sysctls belong to the
    # namespace's root, unmapped in the box, so only the host's root may write them.
    enter("ipc", 0x08000000)
    for name, value in (("shmmax", shm_bytes), ("shmall", shm_bytes // 4096), ("shmmni", 32)):
        with open(f"/proc/sys/kernel/{name}", "w") as f:
            f.write(str(value))
enter("user", 0x10000000)
with open("/proc/sys/user/max_user_namespaces", "w") as f:
    f.write("0")
"""


def _env_int(name: str, default: int) -> int:
    try:
        return int(os.environ.get(name, default))
    except ValueError:
        return default


class BwrapBackend(Backend):
    """Settings from the environment: SANDBOX_UID_BASE (10001), SANDBOX_SLOTS (16), SANDBOX_LOCK_DIR, and
    SANDBOX_SLOT_WAIT_SECONDS (120): how long a grade waits for a free slot before it is our fault and retried."""

    name = "bwrap"
    _checked: dict[tuple[str, ...], str | None] = {}

    def __init__(self) -> None:
        self.uid_base = _env_int("SANDBOX_UID_BASE", 10001)
        self.slots = max(1, _env_int("SANDBOX_SLOTS", 16))
        self.slot_wait = max(0, _env_int("SANDBOX_SLOT_WAIT_SECONDS", 120))
        default_lock_dir = (
            "/run/lock/twelve-factor-sandbox" if os.geteuid() == 0 else f"/tmp/twelve-factor-sandbox-{os.geteuid()}"
        )
        self.lock_dir = Path(os.environ.get("SANDBOX_LOCK_DIR", default_lock_dir))

    def _tools(self) -> dict[str, str]:
        tools = {}
        for tool in ("bwrap", "nsenter", "prlimit", "setpriv"):
            found = shutil.which(tool)
            if not found:
                raise SandboxUnavailable(f"{tool} not found on PATH (Debian: apt-get install bubblewrap util-linux)")
            tools[tool] = found
        return tools

    def check(self) -> None:
        tools = self._tools()
        key = (*tools.values(), str(os.geteuid()))
        # Only a success is remembered: a probe that failed because every slot was busy, say, is tried again.
        if self._checked.get(key, "unknown") is not None:
            self._checked[key] = self._probe(tools)
        if self._checked[key]:
            raise SandboxUnavailable(self._checked[key])

    def _probe(self, tools: dict[str, str]) -> str | None:
        """Open a tiny box and run `true` in it: the only proof that namespaces work on this host."""
        try:
            with _BwrapBox(self, tools, None, Limits(wall_seconds=20, workspace_bytes=1024 * 1024)) as box:
                done = box.run(["/usr/bin/true"], timeout=10)
                if done.exit_code != 0:
                    return f"a test process in the sandbox failed: {done.stderr.decode(errors='replace')}"
        except SandboxUnavailable as e:
            return str(e)
        except (OSError, SandboxError) as e:
            return f"sandbox test failed: {e}"
        return None

    def open(
        self,
        source_dir: Path,
        *,
        limits: Limits = Limits(),  # noqa: B008
        ro_mounts: Mapping[str, Path] = {},  # noqa: B006
    ) -> Box:
        self.check()
        return _BwrapBox(self, self._tools(), Path(source_dir), limits, ro_mounts)

    # Slots -----------------------------------------------------------------------------------------------

    def acquire_slot(self, timeout: float | None = None) -> tuple[int, int | None]:
        """(lock fd, host uid or None when not root). Blocks until a slot is free, at most `timeout` seconds
        (SANDBOX_SLOT_WAIT_SECONDS by default)."""
        if os.geteuid() != 0:
            return -1, None
        timeout = self.slot_wait if timeout is None else timeout
        self.lock_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        deadline = time.monotonic() + timeout
        while True:
            for slot in range(self.slots):
                fd = os.open(self.lock_dir / f"slot-{slot}.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(fd)
                    continue
                uid = self.uid_base + slot
                # A grader that died hard may have left processes of this uid behind: they go first.
                _kill_uid(uid)
                return fd, uid
            if time.monotonic() > deadline:
                raise SandboxError(f"no free sandbox slot among {self.slots} after {timeout:.0f} s")
            time.sleep(0.1)


# Host-side process helpers ---------------------------------------------------------------------------------


def _proc_uid(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            for line in f:
                if line.startswith(b"Uid:"):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        return None
    return None


def _pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def _kill_uid(uid: int, timeout: float = 5.0) -> bool:
    """SIGKILL every host process whose real uid is uid until none is left. True when none is left."""
    deadline = time.monotonic() + timeout
    while True:
        found = [pid for pid in _pids() if _proc_uid(pid) == uid]
        if not found:
            return True
        if time.monotonic() > deadline:
            return False
        for pid in found:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.01)


CGROUP_ROOT = Path(os.environ.get("SANDBOX_CGROUP_ROOT", "/sys/fs/cgroup"))
CGROUP_NAME = "twelve-factor-sandbox"


def _slot_cgroups(uid: int, limits: Limits) -> list[str]:
    """Memory and pids cgroups of a slot (root only): its cgroup.procs files, or [] when cgroups are not usable.

    rlimits bound each process, not what they hold together: tmpfs pages, memfd and pipe buffers escape
    RLIMIT_AS. A memory cgroup bounds the whole box. cgroup v1 (memory, pids) and v2 are handled; without a
    writable hierarchy (or with SANDBOX_CGROUPS=0) the box runs with rlimits and size-capped tmpfs only.
    """
    if os.environ.get("SANDBOX_CGROUPS", "1") == "0":
        return []
    pids_max = 2 * limits.processes + 16
    try:
        if (CGROUP_ROOT / "cgroup.controllers").exists():  # v2
            base = CGROUP_ROOT / CGROUP_NAME
            base.mkdir(exist_ok=True)
            for parent in (CGROUP_ROOT, base):
                (parent / "cgroup.subtree_control").write_text("+memory +pids")
            group = base / f"slot-{uid}"
            group.mkdir(exist_ok=True)
            _kill_cgroup(group / "cgroup.procs")
            (group / "memory.max").write_text(str(limits.box_memory))
            (group / "memory.swap.max").write_text("0")
            (group / "pids.max").write_text(str(pids_max))
            return [str(group / "cgroup.procs")]
        files = []
        for controller, settings in (
            ("memory", {"memory.limit_in_bytes": limits.box_memory}),
            ("pids", {"pids.max": pids_max}),
        ):
            if not (CGROUP_ROOT / controller).is_dir():
                continue
            group = CGROUP_ROOT / controller / CGROUP_NAME / f"slot-{uid}"
            group.mkdir(parents=True, exist_ok=True)
            _kill_cgroup(group / "cgroup.procs")
            for name, value in settings.items():
                (group / name).write_text(str(value))
            files.append(str(group / "cgroup.procs"))
        return files
    except OSError:
        return []


def _kill_cgroup(procs: Path) -> None:
    """SIGKILL whatever a crashed grader left in a slot's cgroup."""
    for _ in range(50):
        pids = [int(p) for p in procs.read_text().split()]
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.01)


def _reachable(path: Path, uid: int) -> bool:
    """Can uid (bwrap opens mount sources as the slot uid) reach and list path? Every parent must let it in."""
    for part in [*reversed(path.parents), path]:
        st = part.stat()
        need = 0o5 if part == path else 0o1
        mode = (st.st_mode >> 6) & 0o7 if st.st_uid == uid else st.st_mode & 0o7
        if mode & need != need:
            return False
    return True


STAGING_DIR = Path(os.environ.get("SANDBOX_STAGING_DIR", "/var/cache/twelve-factor-sandbox"))


def _staged(source: Path) -> Path:
    """A world-readable copy of a trusted host tree (e.g. the wheelhouse under a 0700 home), made of hard links
    where possible, cached by the tree's path and contents' names, sizes and times."""
    entries = sorted(
        (str(p.relative_to(source)), st.st_size, st.st_mtime_ns)
        for p in source.rglob("*")
        if not p.is_symlink() and (st := p.stat())
    )
    key = hashlib.sha256(repr((str(source), entries)).encode()).hexdigest()[:24]
    target = STAGING_DIR / key
    if target.is_dir():
        return target
    STAGING_DIR.mkdir(mode=0o755, parents=True, exist_ok=True)
    STAGING_DIR.chmod(0o755)
    building = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=STAGING_DIR))

    def place(src: str, dst: str) -> None:
        if os.stat(src).st_mode & 0o004:
            try:
                os.link(src, dst)
                return
            except OSError:
                pass
        shutil.copy2(src, dst)
        os.chmod(dst, 0o644)

    shutil.copytree(source, building, symlinks=False, copy_function=place, dirs_exist_ok=True)
    for root, dirs, _ in os.walk(building):
        os.chmod(root, 0o755)
        for d in dirs:
            os.chmod(os.path.join(root, d), 0o755)
    try:
        building.rename(target)
    except OSError:  # another worker staged it first
        shutil.rmtree(building, ignore_errors=True)
    return target


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children", "rb") as f:
            return [int(x) for x in f.read().split()]
    except (OSError, ValueError):
        return []


def _ns_inode(pid: int, ns: str) -> str | None:
    try:
        return os.readlink(f"/proc/{pid}/ns/{ns}")
    except OSError:
        return None


class _Pump(threading.Thread):
    """Drains a pipe to EOF, keeping the first `cap` bytes; the rest is read and dropped."""

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


class _BwrapProcess(Process):
    def __init__(self, box: _BwrapBox, popen: subprocess.Popen, argv: Sequence[str], started_at: float) -> None:
        self.box = box
        self.popen = popen
        self.argv = list(argv)
        self.started_at = started_at
        assert popen.stdout is not None and popen.stderr is not None
        cap = box.limits.output_bytes
        self._out = _Pump(os.dup(popen.stdout.fileno()), cap)
        self._err = _Pump(os.dup(popen.stderr.fileno()), cap)
        popen.stdout.close()
        popen.stderr.close()
        self._child: int | None = None

    def _child_pid(self, wait: float = 2.0) -> int | None:
        """Host pid of the learner's process: nsenter forks it into the box and only waits for it."""
        if self._child is not None:
            # Still ours? (nsenter reaps it; its pid may be reused only after that.)
            return self._child if self._child in _children(self.popen.pid) else None
        deadline = time.monotonic() + wait
        while self.popen.poll() is None:
            kids = _children(self.popen.pid)
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

    def _join_output(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        for pump in (self._out, self._err):
            pump.join(max(0.0, deadline - time.monotonic()))


class _BwrapBox(Box):
    def __init__(
        self,
        backend: BwrapBackend,
        tools: dict[str, str],
        source_dir: Path | None,
        limits: Limits,
        ro_mounts: Mapping[str, Path] = {},  # noqa: B006
    ) -> None:
        self.backend = backend
        self.tools = tools
        self.limits = limits
        self._closed = False
        self._expired = False
        self._lock = threading.Lock()
        self._procs: list[_BwrapProcess] = []
        self._socket_helper: tuple[subprocess.Popen, socket.socket] | None = None
        self._helper_lock = threading.Lock()
        self._cgroup_files: list[str] = []
        self._lock_fd, self.uid = backend.acquire_slot()
        self._deadline = time.monotonic() + limits.wall_seconds
        try:
            if self.uid is not None:
                self._cgroup_files = _slot_cgroups(self.uid, limits)
            self._holder, self.init_pid = self._start_holder(ro_mounts)
            self._pidns = _ns_inode(self.init_pid, "pid")
            self._keep = {self.init_pid, self._holder_command()}
            self._forbid_nested_user_namespaces()
            self._watchdog = threading.Timer(limits.wall_seconds, self._expire)
            self._watchdog.daemon = True
            self._watchdog.start()
            if source_dir is not None:
                self._copy_in(source_dir)
        except BaseException:
            self.close()
            raise

    # Setup ---------------------------------------------------------------------------------------------

    def _rlimit_args(self) -> list[str]:
        lim = self.limits
        nproc = lim.processes
        if self.uid is None:
            # Not root: RLIMIT_NPROC counts every process of our own uid, so leave room for them.
            nproc += sum(1 for pid in _pids() if _proc_uid(pid) == os.getuid())
        return [
            self.tools["prlimit"],
            f"--cpu={lim.cpu_seconds}:{lim.cpu_seconds + 1}",
            f"--as={lim.memory_bytes}",
            f"--nproc={nproc}",
            f"--fsize={lim.file_size_bytes}",
            f"--nofile={lim.open_files}",
            "--core=0",
            "--",
        ]

    def _launch_prefix(self) -> list[str]:
        """argv prefix of every process we start for the box: join its cgroups, drop to the slot uid, rlimits."""
        if not self._cgroup_files:
            return self._rlimit_args()
        return [
            "/bin/sh",
            "-c",
            'while [ "$1" != -- ]; do echo $$ > "$1" || exit 125; shift; done; shift; exec "$@"',
            "join-cgroup",
            *self._cgroup_files,
            "--",
            self.tools["setpriv"],
            f"--reuid={self.uid}",
            f"--regid={self.uid}",
            "--clear-groups",
            "--",
            *self._rlimit_args(),
        ]

    def _popen_kwargs(self) -> dict:
        kwargs: dict = {"start_new_session": True, "close_fds": True}
        if self.uid is not None and not self._cgroup_files:
            kwargs.update(user=self.uid, group=self.uid, extra_groups=[])
        return kwargs

    def _start_holder(self, ro_mounts: Mapping[str, Path]) -> tuple[subprocess.Popen, int]:
        lim = self.limits
        args = [
            self.tools["bwrap"],
            "--unshare-all",
            "--unshare-user",
            "--uid",
            str(NOBODY),
            "--gid",
            str(NOBODY),
            "--hostname",
            "box",
            "--new-session",
            "--die-with-parent",
            "--clearenv",
            "--ro-bind",
            "/usr",
            "/usr",
            # Host-local installs are not part of the image a learner may rely on.
            "--size",
            "4096",
            "--tmpfs",
            "/usr/local",
        ]
        for top in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
            host = Path("/") / top
            if host.is_symlink():
                args += ["--symlink", os.readlink(host), f"/{top}"]
            elif host.is_dir():
                args += ["--ro-bind", str(host), f"/{top}"]
        for name in ETC_FILES:
            args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
        fds: list[int] = []

        def data_fd(text: str) -> str:
            r, w = os.pipe()
            os.write(w, text.encode())
            os.close(w)
            fds.append(r)
            return str(r)

        for path, text in (
            ("/etc/passwd", PASSWD),
            ("/etc/group", GROUP),
            ("/etc/hosts", HOSTS),
            ("/etc/nsswitch.conf", NSSWITCH),
            ("/etc/hostname", "box\n"),
        ):
            args += ["--perms", "0444", "--file", data_fd(text), path]
        args += [
            "--proc",
            "/proc",
            "--tmpfs",
            "/dev",
        ]
        for dev in ("null", "zero", "full", "random", "urandom"):
            args += ["--dev-bind", f"/dev/{dev}", f"/dev/{dev}"]
        for i, name in enumerate(("stdin", "stdout", "stderr")):
            args += ["--symlink", f"/proc/self/fd/{i}", f"/dev/{name}"]
        args += [
            "--symlink",
            "/proc/self/fd",
            "/dev/fd",
            "--size",
            str(min(lim.tmp_bytes, 16 * 1024 * 1024)),
            "--tmpfs",
            "/dev/shm",
            "--size",
            str(lim.workspace_bytes),
            "--tmpfs",
            "/workspace",
            "--size",
            str(lim.tmp_bytes),
            "--tmpfs",
            "/tmp",
        ]
        for dest, host in ro_mounts.items():
            if not dest.startswith("/") or ".." in dest.split("/"):
                raise ValueError(f"sandbox mount point must be absolute: {dest!r}")
            source = Path(host).resolve()
            if self.uid is not None and not _reachable(source, self.uid):
                source = _staged(source)
            args += ["--ro-bind", str(source), dest]
        info_r, info_w = os.pipe()
        fds.append(info_w)
        args += [
            "--remount-ro",
            "/usr/local",
            "--remount-ro",
            "/dev",
            "--remount-ro",
            "/",
            "--info-fd",
            str(info_w),
            "/usr/bin/sleep",
            "infinity",
        ]
        try:
            holder = subprocess.Popen(
                self._launch_prefix() + args,
                env={},
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                pass_fds=fds,
                **self._popen_kwargs(),
            )
        finally:
            for fd in fds:
                os.close(fd)
        try:
            info = self._read_info(info_r, holder)
        finally:
            os.close(info_r)
        if info is None:
            holder.kill()
            _, err = holder.communicate(timeout=5)
            raise SandboxUnavailable(f"bwrap failed: {err.decode(errors='replace').strip() or 'no reason given'}")
        return holder, int(info["child-pid"])

    def _forbid_nested_user_namespaces(self) -> None:
        """Set user.max_user_namespaces to 0 in the box's user namespace (and, as root, cap System V shm).

        Otherwise learner code could `unshare -Urm` and mount an unbounded tmpfs (half the host's RAM) past our
        size caps. Only a process holding capabilities in the box's user namespace can write that limit, and
        nothing inside the box has any: a one-off helper enters it from the host (which grants them) and writes
        it, as bwrap's --disable-userns does. (That option itself needs a second, nested user namespace, which
        nsenter, unprivileged, could then not enter.)"""
        done = subprocess.run(
            ["/usr/bin/python3", "-I", "-S", "-c", LOCKDOWN, str(self.init_pid), str(self.limits.tmp_bytes)],
            env={"PATH": "/usr/bin:/bin"},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=20,
            start_new_session=True,
        )
        if done.returncode != 0:
            reason = done.stderr.decode(errors="replace").strip()[-300:]
            raise SandboxUnavailable(f"could not forbid nested user namespaces in the sandbox: {reason}")

    def _holder_command(self) -> int:
        """Host pid of `sleep infinity` (PID 2 of the box), which kill_all() must spare."""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            kids = _children(self.init_pid)
            if kids:
                assert self._holder.stderr is not None
                self._holder.stderr.close()
                return kids[0]
            if self._holder.poll() is not None:
                break
            time.sleep(0.001)
        self._holder.kill()
        _, err = self._holder.communicate(timeout=5)
        reason = err.decode(errors="replace").strip() or "no reason given"
        raise SandboxUnavailable(f"the sandbox did not start its first process: {reason}")

    @staticmethod
    def _read_info(fd: int, holder: subprocess.Popen) -> dict | None:
        data = b""
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                chunk = os.read(fd, 4096)
                if not chunk:
                    break
                data += chunk
                with contextlib.suppress(ValueError):
                    return json.loads(data)
            elif holder.poll() is not None:
                break
        try:
            return json.loads(data)
        except ValueError:
            return None

    def _copy_in(self, source_dir: Path) -> None:
        """Tar the (intake-checked) source on the host, untar it inside the box as the box's user."""
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            for entry in sorted(source_dir.iterdir()):
                tar.add(entry, arcname=entry.name)
        done = self.run(
            ["/usr/bin/tar", "-x", "--no-same-owner", "-f", "-", "-C", "/workspace"],
            timeout=60,
            stdin=buf.getvalue(),
        )
        if done.exit_code != 0:
            raise SandboxError(f"could not copy the source into the sandbox: {done.stderr[-500:]!r}")

    # Running -------------------------------------------------------------------------------------------

    def _check_open(self) -> None:
        if self._expired:
            raise BoxClosed(f"the sandbox passed its wall-clock limit of {self.limits.wall_seconds:g} s")
        if self._closed:
            raise BoxClosed("the sandbox is closed")

    def _spawn(self, argv: Sequence[str], env: Mapping[str, str], cwd: str, stdin: bool) -> _BwrapProcess:
        if not argv:
            raise ValueError("empty argv")
        full_env = sandbox_env(env)
        cmd = self._launch_prefix() + [
            self.tools["nsenter"],
            f"--target={self.init_pid}",
            "--user",
            "--mount",
            "--net",
            "--pid",
            "--ipc",
            "--uts",
            "--cgroup",
            "--preserve-credentials",
            f"--wdns={cwd}",
            "--",
            *argv,
        ]
        with self._lock:
            self._check_open()
            started = time.monotonic()
            popen = subprocess.Popen(
                cmd,
                env=full_env,
                stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                **self._popen_kwargs(),
            )
            proc = _BwrapProcess(self, popen, argv, started)
            self._procs.append(proc)
        return proc

    def run(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] = {},  # noqa: B006
        timeout: float,
        cwd: str = "/workspace",
        stdin: bytes | None = None,
    ) -> Completed:
        proc = self._spawn(argv, env, cwd, stdin is not None)
        if stdin is not None:
            threading.Thread(target=_feed, args=(proc.popen, stdin), daemon=True).start()
        remaining = max(0.0, self._deadline - time.monotonic())
        code = proc.wait(min(timeout, remaining))
        timed_out = code is None
        if timed_out and remaining < timeout:
            self._expire()  # the box's own wall clock ran out, not just this run's
        if timed_out:
            proc.kill()
        # Output pipes stay open while a daemon it left holds them: don't wait for those.
        proc._join_output(0.5 if not timed_out else 0.2)
        duration = time.monotonic() - proc.started_at
        if self._expired:
            raise BoxClosed(f"the sandbox passed its wall-clock limit of {self.limits.wall_seconds:g} s")
        return Completed(
            exit_code=None if timed_out else code,
            stdout=proc.stdout(),
            stderr=proc.stderr(),
            timed_out=timed_out,
            duration=duration,
            output_truncated=proc.output_truncated,
        )

    def start(
        self,
        argv: Sequence[str],
        *,
        env: Mapping[str, str] = {},  # noqa: B006
        cwd: str = "/workspace",
    ) -> Process:
        return self._spawn(argv, env, cwd, stdin=False)

    # Observing -----------------------------------------------------------------------------------------

    def listening(self) -> list[tuple[str, int]]:
        self._check_open()
        found: list[tuple[str, int]] = []
        for name in ("tcp", "tcp6"):
            try:
                with open(f"/proc/{self.init_pid}/net/{name}", "rb") as f:
                    lines = f.read().decode("ascii", "replace").splitlines()[1:]
            except OSError:
                continue
            for line in lines:
                fields = line.split()
                if len(fields) < 4 or fields[3] != "0A":  # 0A = TCP_LISTEN
                    continue
                addr_hex, port_hex = fields[1].split(":")
                addr = _decode_addr(addr_hex)
                item = (addr, int(port_hex, 16))
                if item not in found:
                    found.append(item)
        return found

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
        max_body: int = 1024 * 1024,
        arriving_for: float = 0.0,
    ) -> HttpResult:
        self._check_open()
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = self._probe_socket(family)
        # A hostile server may drip bytes forever: at the deadline we shut the socket down under its feet.
        killer = threading.Timer(timeout, _shutdown, args=(sock,))
        killer.daemon = True
        start = time.monotonic()
        killer.start()
        try:
            sock.settimeout(timeout)
            try:
                sock.connect((host, port))
            except OSError as e:
                raise ProbeError(f"could not connect to {host}:{port} in the sandbox: {e}") from e
            try:
                if arriving_for > 0:
                    sock.sendall(f"{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\n".encode("latin-1"))
                    time.sleep(arriving_for)
                    sock.sendall(b"Connection: close\r\n\r\n")
                    resp = http.client.HTTPResponse(sock, method=method)
                    resp.begin()
                else:
                    conn = http.client.HTTPConnection(host, port, timeout=timeout)
                    conn.sock = sock
                    conn.request(method, path, body=body, headers=dict(headers or {}))
                    resp = conn.getresponse()
                data = resp.read(max_body + 1)
                merged: dict[str, str] = {}
                for k, v in resp.getheaders():
                    k = k.lower()
                    merged[k] = f"{merged[k]}, {v}" if k in merged else v
            except (OSError, http.client.HTTPException, ValueError) as e:
                elapsed = time.monotonic() - start
                if elapsed >= timeout:
                    raise ProbeError(f"no complete response from port {port} within {timeout:g} s") from e
                raise ProbeError(f"bad or no HTTP response from port {port}: {e!r}") from e
            if time.monotonic() - start >= timeout:
                raise ProbeError(f"no complete response from port {port} within {timeout:g} s")
            return HttpResult(
                status=resp.status,
                headers=merged,
                body=data[:max_body],
                elapsed=time.monotonic() - start,
                truncated=len(data) > max_body,
            )
        finally:
            killer.cancel()
            sock.close()

    def _probe_socket(self, family: int) -> socket.socket:
        """A socket in the box's network namespace: made by a thread that enters it (root), or, without
        CAP_SYS_ADMIN, handed over by our own helper process that nsenter put in the box's user and network
        namespaces (not its PID or mount namespace, so nothing in the box can see or touch it)."""
        if self._socket_helper is None:
            try:
                return _socket_in_netns(self.init_pid, family)
            except PermissionError:
                self._start_socket_helper()
        assert self._socket_helper is not None
        helper, ctl = self._socket_helper
        with self._helper_lock:
            try:
                ctl.sendall(b"6" if family == socket.AF_INET6 else b"4")
                _, fds, _, _ = socket.recv_fds(ctl, 1, 1)
            except OSError as e:
                raise ProbeError(f"cannot reach the sandbox's network: {e}") from e
        if not fds:
            raise ProbeError("cannot reach the sandbox's network: the probe helper gave no socket")
        return socket.socket(fileno=fds[0])

    def _start_socket_helper(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        ours.settimeout(10)
        helper = subprocess.Popen(
            [
                self.tools["nsenter"],
                f"--target={self.init_pid}",
                "--user",
                "--net",
                "--preserve-credentials",
                "--",
                "/usr/bin/python3",
                "-I",
                "-S",
                "-c",
                SOCKET_HELPER,
                str(theirs.fileno()),
            ],
            env={"PATH": "/usr/bin:/bin"},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=[theirs.fileno()],
            **self._popen_kwargs(),
        )
        theirs.close()
        self._socket_helper = (helper, ours)

    def files(self, *, max_entries: int = 10_000) -> list[WorkspaceEntry]:
        # Everything in /workspace belongs to the box's uid, so our chmod can undo a `chmod 000 logs/` meant to
        # hide files from the listing (chmod -R leaves symbolic links and what they point to alone).
        script = 'chmod -R u+rwX /workspace 2>/dev/null; exec /usr/bin/find /workspace -mindepth 1 -printf "$0"'
        done = self.run(["/bin/sh", "-c", script, r"%y %s %P\0"], timeout=30)
        entries = []
        records = done.stdout.split(b"\0")
        if done.output_truncated or done.timed_out:
            records = records[:-1]  # the last one may be cut
        for record in records:
            if not record:
                continue
            try:
                kind, size, path = record.split(b" ", 2)
                entries.append(
                    WorkspaceEntry(
                        path=path.decode("utf-8", "surrogateescape"),
                        size=int(size),
                        is_dir=kind == b"d",
                        is_symlink=kind == b"l",
                    )
                )
            except ValueError:
                continue
            if len(entries) >= max_entries:
                break
        return entries

    # Ending --------------------------------------------------------------------------------------------

    def _box_pids(self) -> list[int]:
        if self._pidns is None:
            return []
        return [pid for pid in _pids() if pid not in self._keep and _ns_inode(pid, "pid") == self._pidns]

    def kill_all(self) -> None:
        self._check_open()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            pids = self._box_pids()
            if not pids:
                break
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            time.sleep(0.005)
        for proc in list(self._procs):
            proc.kill()

    def _expire(self) -> None:
        self._expired = True
        self._kill_box()

    def _kill_box(self) -> None:
        with contextlib.suppress(ProcessLookupError, AttributeError):
            # PID 1 of the box: the kernel then kills everything in its PID namespace.
            os.kill(self.init_pid, signal.SIGKILL)

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._closed = True
        watchdog = getattr(self, "_watchdog", None)
        if watchdog is not None:
            watchdog.cancel()
        self._kill_box()
        holder = getattr(self, "_holder", None)
        if holder is not None:
            # bwrap reaps the box's PID 1 and exits by itself; killing it first would leave that PID 1 a zombie
            # for the host's init to reap, and a zombie still counts against the slot's RLIMIT_NPROC.
            try:
                holder.wait(timeout=2)
            except subprocess.TimeoutExpired:
                holder.kill()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    holder.wait(timeout=5)
        if self._socket_helper is not None:
            helper, ctl = self._socket_helper
            ctl.close()
            helper.kill()
            helper.wait(timeout=5)
        for proc in self._procs:
            with contextlib.suppress(ProcessLookupError):
                proc.popen.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.popen.wait(timeout=5)
            if proc.popen.stdin:
                with contextlib.suppress(OSError):
                    proc.popen.stdin.close()
        if self.uid is not None:
            _kill_uid(self.uid)
        for proc in self._procs:
            proc._join_output(1.0)
        if self._lock_fd >= 0:
            os.close(self._lock_fd)
            self._lock_fd = -1


def _feed(popen: subprocess.Popen, data: bytes) -> None:
    assert popen.stdin is not None
    try:
        popen.stdin.write(data)
    except (BrokenPipeError, OSError):
        pass
    finally:
        with contextlib.suppress(OSError):
            popen.stdin.close()


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)


def _decode_addr(hex_addr: str) -> str:
    raw = bytes.fromhex(hex_addr)
    if len(raw) == 4:
        return socket.inet_ntop(socket.AF_INET, raw[::-1])
    # /proc prints IPv6 as four host-order 32-bit words.
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
    return socket.inet_ntop(socket.AF_INET6, words)


_libc = ctypes.CDLL(None, use_errno=True)


def _socket_in_netns(pid: int, family: int) -> socket.socket:
    """A TCP socket created in the network namespace of pid.

    Namespaces belong to threads: a short-lived thread enters the box's network namespace, creates the socket
    and ends; the socket stays in that namespace wherever it is used. No interpreter, no process, no learner code.
    """
    result: list[socket.socket | BaseException] = []

    def enter() -> None:
        try:
            fd = os.open(f"/proc/{pid}/ns/net", os.O_RDONLY | os.O_CLOEXEC)
            try:
                if _libc.setns(fd, CLONE_NEWNET) != 0:
                    err = ctypes.get_errno()
                    raise OSError(err, f"setns into the sandbox's network: {os.strerror(err)}")
            finally:
                os.close(fd)
            result.append(socket.socket(family, socket.SOCK_STREAM))
        except BaseException as e:  # handed to the caller's thread
            result.append(e)

    thread = threading.Thread(target=enter, daemon=True)
    thread.start()
    thread.join()
    if isinstance(result[0], BaseException):
        err = result[0]
        if isinstance(err, OSError) and err.errno == errno.EPERM:
            raise PermissionError(errno.EPERM, "setns into the sandbox's network namespace")
        raise ProbeError(f"cannot reach the sandbox's network: {err}")
    return result[0]

"""One box: a long-lived bwrap holding the namespaces and the workspace, and the processes run in it.

Shape: bwrap's command is `sleep infinity` under bwrap's own reaper (PID 1 of the box). Every run()/start()
enters those namespaces with util-linux `nsenter` (as the slot's unprivileged host uid, the owner of the box's user
namespace, so no root process ever enters a box) under `prlimit`. Killing the box's PID 1 makes the kernel kill
every process in its PID namespace, and the workspace, a tmpfs of its mount namespace, goes with it.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import select
import signal
import subprocess
import tarfile
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from labs.sandbox import (
    Box,
    BoxClosed,
    Completed,
    HttpResult,
    Limits,
    Process,
    SandboxError,
    SandboxUnavailable,
    WorkspaceEntry,
    sandbox_env,
)
from labs.sandbox.bwrap import cgroups, slots
from labs.sandbox.bwrap.helpers import source
from labs.sandbox.bwrap.host import children, kill_uid, ns_inode, pids, proc_uid
from labs.sandbox.bwrap.image import bwrap_args
from labs.sandbox.bwrap.probes import NetworkProbe
from labs.sandbox.bwrap.process import BwrapProcess
from labs.sandbox.bwrap.staging import reachable, staged
from labs.sandbox.priority import box_process_prefix
from labs.sandbox.settings import SandboxSettings

NAMESPACES = ("--user", "--mount", "--net", "--pid", "--ipc", "--uts", "--cgroup")


class BwrapBox(Box):
    def __init__(
        self,
        settings: SandboxSettings,
        tools: Mapping[str, str],
        source_dir: Path | None,
        limits: Limits,
        ro_mounts: Mapping[str, Path] = {},  # noqa: B006
    ) -> None:
        self.settings = settings
        self.tools = dict(tools)
        self.limits = limits
        self._closed = False
        self._expired = False
        self._lock = threading.Lock()
        self._procs: list[BwrapProcess] = []
        self._probe: NetworkProbe | None = None
        self._holder: subprocess.Popen[bytes] | None = None
        self._watchdog: threading.Timer | None = None
        self._cgroup_files: list[str] = []
        self._slot = slots.acquire(settings)
        self.uid = self._slot.uid
        self._deadline = time.monotonic() + limits.wall_seconds
        try:
            if self.uid is not None:
                self._cgroup_files = cgroups.slot_cgroups(settings, self.uid, limits)
            self._holder, self.init_pid = self._start_holder(ro_mounts)
            self._pidns = ns_inode(self.init_pid, "pid")
            self._keep = {self.init_pid, self._holder_command()}
            self._forbid_nested_user_namespaces()
            self._probe = NetworkProbe(self.init_pid, nsenter=self.tools["nsenter"], popen_kwargs=self._popen_kwargs())
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
            nproc += sum(1 for pid in pids() if proc_uid(pid) == os.getuid())
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
        """argv prefix of every process we start for the box: lower its CPU priority, join its cgroups, drop to the
        slot uid, rlimits."""
        lower = box_process_prefix(self.settings.nice, self.tools["nice"])
        if not self._cgroup_files:
            return [*lower, *self._rlimit_args()]
        return [
            *lower,
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

    def _popen_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"start_new_session": True, "close_fds": True}
        if self.uid is not None and not self._cgroup_files:
            kwargs.update(user=self.uid, group=self.uid, extra_groups=[])
        return kwargs

    def _mount_sources(self, ro_mounts: Mapping[str, Path]) -> dict[str, Path]:
        sources = {}
        for dest, host in ro_mounts.items():
            if not dest.startswith("/") or ".." in dest.split("/"):
                raise ValueError(f"sandbox mount point must be absolute: {dest!r}")
            path = Path(host).resolve()
            if self.uid is not None and not reachable(path, self.uid):
                path = staged(path, self.settings.staging_dir)
            sources[dest] = path
        return sources

    def _start_holder(self, ro_mounts: Mapping[str, Path]) -> tuple[subprocess.Popen[bytes], int]:
        info_r, info_w = os.pipe()
        args, fds = bwrap_args(self.tools["bwrap"], self.limits, self._mount_sources(ro_mounts), info_fd=info_w)
        fds.append(info_w)
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
            info = _read_info(info_r, holder)
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
        nothing inside the box has any: a one-off helper (`helpers/lockdown.py`) enters it from the host (which
        grants them) and writes it, as bwrap's --disable-userns does. (That option itself needs a second, nested
        user namespace, which nsenter, unprivileged, could then not enter.)"""
        done = subprocess.run(
            [
                "/usr/bin/python3",
                "-I",
                "-S",
                "-c",
                source("lockdown"),
                str(self.init_pid),
                str(self.limits.tmp_bytes),
            ],
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
        assert self._holder is not None
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            kids = children(self.init_pid)
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

    def _spawn(self, argv: Sequence[str], env: Mapping[str, str], cwd: str, stdin: bool) -> BwrapProcess:
        if not argv:
            raise ValueError("empty argv")
        full_env = sandbox_env(env)
        enter = [self.tools["nsenter"], f"--target={self.init_pid}", *NAMESPACES, "--preserve-credentials"]
        cmd = [*self._launch_prefix(), *enter, f"--wdns={cwd}", "--", *argv]
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
            proc = BwrapProcess(popen, argv, started, output_cap=self.limits.output_bytes)
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
            proc.feed(stdin)
        remaining = max(0.0, self._deadline - time.monotonic())
        code = proc.wait(min(timeout, remaining))
        timed_out = code is None
        if timed_out and remaining < timeout:
            self._expire()  # the box's own wall clock ran out, not just this run's
        if timed_out:
            proc.kill()
        # Output pipes stay open while a daemon it left holds them: don't wait for those.
        proc.join_output(0.5 if not timed_out else 0.2)
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
        assert self._probe is not None
        return self._probe.listening()

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
        assert self._probe is not None
        return self._probe.http(
            port,
            path,
            method=method,
            body=body,
            headers=headers,
            timeout=timeout,
            host=host,
            max_body=max_body,
            arriving_for=arriving_for,
        )

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
        return [pid for pid in pids() if pid not in self._keep and ns_inode(pid, "pid") == self._pidns]

    def kill_all(self) -> None:
        self._check_open()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            found = self._box_pids()
            if not found:
                break
            for pid in found:
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
        if self._watchdog is not None:
            self._watchdog.cancel()
        self._kill_box()
        if self._holder is not None:
            # bwrap reaps the box's PID 1 and exits by itself; killing it first would leave that PID 1 a zombie
            # for the host's init to reap, and a zombie still counts against the slot's RLIMIT_NPROC.
            try:
                self._holder.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self._holder.kill()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self._holder.wait(timeout=5)
        if self._probe is not None:
            self._probe.close()
        for proc in self._procs:
            with contextlib.suppress(ProcessLookupError):
                proc.popen.kill()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.popen.wait(timeout=5)
            if proc.popen.stdin:
                with contextlib.suppress(OSError):
                    proc.popen.stdin.close()
        if self.uid is not None:
            kill_uid(self.uid)
        for proc in self._procs:
            proc.join_output(1.0)
        self._slot.release()


def _read_info(fd: int, holder: subprocess.Popen[bytes]) -> dict[str, Any] | None:
    """bwrap's --info-fd JSON ({"child-pid": N, ...}), or None when bwrap died before writing it."""

    def parsed(data: bytes) -> dict[str, Any] | None:
        value = json.loads(data)
        return value if isinstance(value, dict) else None

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
                return parsed(data)
        elif holder.poll() is not None:
            break
    try:
        return parsed(data)
    except ValueError:
        return None

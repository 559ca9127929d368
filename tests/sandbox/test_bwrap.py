import dataclasses
import os
import shutil
import signal
import socket
import tempfile
import threading
import time
from pathlib import Path

import pytest

from labs.sandbox import (
    BoxClosed,
    ProbeError,
    SandboxUnavailable,
    get_backend,
    sandbox_env,
)
from labs.sandbox.bwrap import BwrapBackend
from labs.sandbox.bwrap.host import pids as _pids
from labs.sandbox.bwrap.host import proc_uid as _proc_uid
from labs.sandbox.settings import SandboxSettings

pytestmark = pytest.mark.sandbox

PY = "/usr/bin/python3"


def sh(box, script, timeout=10, **kwargs):
    return box.run(["/bin/sh", "-c", script], timeout=timeout, **kwargs)


def wait_for_port(box, port, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(p == port for _, p in box.listening()):
            return
        time.sleep(0.02)
    raise AssertionError(f"nothing listens on {port}")


SERVER = r"""
import http.server, os, sys, signal
class H(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("hi " + self.path).encode()
        self.send_response(200); self.send_header("X-Test", "1")
        self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def do_POST(self):
        n = int(self.headers["Content-Length"]); data = self.rfile.read(n)
        self.send_response(201); self.send_header("Content-Length", str(len(data))); self.end_headers()
        self.wfile.write(data)
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
http.server.HTTPServer((sys.argv[1], int(sys.argv[2])), H).serve_forever()
"""


def test_workspace_is_a_copy_of_the_source(box):
    done = box.run(["/usr/bin/python3", "app.py"], timeout=10)
    assert done.exit_code == 0
    assert done.stdout == b"hello from the box\n"
    assert sh(box, "cat pkg/data.txt").stdout == b"data\n"


def test_workspace_persists_across_runs_and_starts(box):
    assert sh(box, f"{PY} -m venv --without-pip .venv && echo built > state", timeout=60).exit_code == 0
    for _ in range(2):
        proc = box.start([".venv/bin/python", "-c", "print(open('state').read().strip())"])
        assert proc.wait(10) == 0
        assert proc.stdout() == b"built\n"
    assert sh(box, "test -x .venv/bin/python && cat state").stdout == b"built\n"


def test_environment_is_cleared_and_allow_listed(box, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "sentinel-secret-key-123456")
    monkeypatch.setenv("DATABASE_URL", "postgres://sentinel:pw@db/x")
    monkeypatch.setenv("CELERY_BROKER_URL", "redis://sentinel-broker:6379/0")
    monkeypatch.setenv("UNRELATED", "also-not-passed")
    out = box.run(["/usr/bin/env"], env={"PORT": "8000"}, timeout=10).stdout.decode()
    names = {line.split("=", 1)[0] for line in out.splitlines()}
    assert "sentinel" not in out
    assert "UNRELATED" not in names
    assert {"PATH", "HOME", "PORT"} <= names
    with pytest.raises(ValueError):
        box.run(["/usr/bin/env"], env={"X": "postgres://sentinel:pw@db/x"}, timeout=10)
    with pytest.raises(ValueError):
        sandbox_env({"SECRET_KEY": "sentinel-secret-key-123456"})


def test_user_is_nobody_inside_and_a_slot_uid_outside(box):
    assert sh(box, "id -u; id -g").stdout == b"65534\n65534\n"
    proc = box.start(["/usr/bin/sleep", "30"])
    pid = proc._child_pid()
    assert pid is not None
    assert _proc_uid(pid) == (box.uid if os.geteuid() == 0 else os.getuid())
    if os.geteuid() == 0:
        assert box.uid >= 10001
    caps = sh(box, "grep CapEff /proc/self/status").stdout.split()[1]
    assert int(caps, 16) == 0
    proc.kill()


def test_no_network_but_a_private_loopback(box):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    script = (
        "import socket\n"
        "for host in ('127.0.0.1', '10.0.2.2', '8.8.8.8'):\n"
        "    s = socket.socket(); s.settimeout(1)\n"
        f"    try: s.connect((host, {port})); print('CONNECTED', host)\n"
        "    except OSError as e: print('refused', host, e)\n"
        "print(open('/proc/net/dev').read())\n"
    )
    done = box.run([PY, "-c", script], timeout=10)
    assert b"CONNECTED" not in done.stdout
    devices = [line.split(":")[0].strip() for line in done.stdout.decode().splitlines() if ":" in line]
    assert devices == ["lo"]
    with pytest.raises(socket.timeout):
        listener.accept()
    listener.close()


def test_system_is_read_only_and_host_dirs_are_absent(box):
    for path in ("/usr/x", "/etc/x", "/x", "/bin/x", "/dev/x", "/usr/local/x"):
        assert sh(box, f"echo x > {path}").exit_code != 0, path
    done = sh(box, "ls /root /home /run /var /work /sys 2>&1; cat /etc/shadow 2>&1")
    assert done.stdout.count(b"No such file") == 7
    assert sh(box, "echo ok > /tmp/x && cat /tmp/x").stdout == b"ok\n"


def test_no_nested_user_namespaces_so_no_unbounded_tmpfs(box):
    done = sh(box, "unshare -Urm sh -c 'mount -t tmpfs none /tmp && echo MOUNTED'")
    assert b"MOUNTED" not in done.stdout
    assert done.exit_code != 0
    assert sh(box, "cat /proc/sys/user/max_user_namespaces").stdout == b"0\n"
    assert sh(box, "echo 5 > /proc/sys/user/max_user_namespaces").exit_code != 0


MEMFD_BOMB = (
    "import os\n"
    "fds = []\n"
    "for i in range(200):\n"
    "    fd = os.memfd_create('x'); os.write(fd, b'\\0' * (3 * 1024 * 1024)); fds.append(fd)\n"
    "print('survived')\n"
)


def test_memory_held_outside_rlimits_is_capped_for_the_whole_box(backend, source, small):
    # 200 memfds of 3 MiB each: no single rlimit stops that (each write is under RLIMIT_FSIZE).
    limits = dataclasses.replace(small, box_memory_bytes=128 * 1024 * 1024, open_files=512)
    with backend.open(source, limits=limits) as box:
        if not box._cgroup_files:
            pytest.skip("no writable cgroup hierarchy here: the box memory cap needs one (root)")
        done = box.run([PY, "-c", MEMFD_BOMB], timeout=20)
        assert b"survived" not in done.stdout
        assert done.exit_code == -signal.SIGKILL  # the OOM killer, inside the box's cgroup
        assert sh(box, "echo still usable").stdout == b"still usable\n"


@pytest.mark.skipif(os.geteuid() != 0, reason="System V shm sysctls are writable by the host's root only")
def test_system_v_shared_memory_is_capped(box, small):
    script = "import ctypes; libc = ctypes.CDLL(None); print(libc.shmget(0, {}, 0o1600))"
    too_big = box.run([PY, "-c", script.format(small.tmp_bytes * 2)], timeout=10)
    assert too_big.stdout.strip() == b"-1"
    fits = box.run([PY, "-c", script.format(1024 * 1024)], timeout=10)
    assert int(fits.stdout) >= 0


def test_cpu_limit_kills_a_busy_loop(backend, source, small):
    with backend.open(source, limits=dataclasses.replace(small, cpu_seconds=1)) as box:
        done = box.run([PY, "-c", "while True: pass"], timeout=20)
    assert done.exit_code in (-signal.SIGXCPU, -signal.SIGKILL)
    assert done.duration < 5


def test_box_processes_run_below_the_sites_cpu_priority_and_cannot_raise_it(box):
    """Grades queue, pages have a learner waiting: every box process starts at the configured nice, in a session
    whose autogroup (where the kernel has it) is lowered too, and a learner's code cannot take the priority back."""
    script = (
        "import os, pathlib\n"
        "print(os.getpriority(os.PRIO_PROCESS, 0))\n"
        "group = pathlib.Path('/proc/self/autogroup')\n"
        "print(group.read_text().split()[-1] if group.exists() else 'none')\n"
        "try:\n"
        "    os.setpriority(os.PRIO_PROCESS, 0, 0)\n"
        "    print('raised')\n"
        "except PermissionError:\n"
        "    print('refused')\n"
    )
    done = box.run([PY, "-c", script], timeout=10)
    nice, autogroup, raising = done.stdout.decode().split()
    assert int(nice) == SandboxSettings.from_env().nice > 0
    assert autogroup in (nice, "none")
    assert raising == "refused"
    assert done.stderr == b""


def test_no_cpu_priority_change_when_grading_nice_is_0(monkeypatch, source, small):
    monkeypatch.setenv("GRADING_NICE", "0")
    with get_backend("bwrap").open(source, limits=small) as box:
        done = box.run([PY, "-c", "import os; print(os.getpriority(os.PRIO_PROCESS, 0))"], timeout=10)
    assert done.stdout.strip() == str(os.getpriority(os.PRIO_PROCESS, 0)).encode()


def test_memory_limit(box):
    done = box.run([PY, "-c", "x = bytearray(1024 * 1024 * 1024)"], timeout=10)
    assert done.exit_code != 0
    assert b"MemoryError" in done.stderr


def test_process_limit_stops_a_fork_bomb(box, small):
    script = (
        "import os, time\n"
        "n = 0\n"
        "try:\n"
        "    for _ in range(500):\n"
        "        if os.fork() == 0:\n"
        "            time.sleep(30); os._exit(0)\n"
        "        n += 1\n"
        "except OSError as e: print('stopped', n, e.errno)\n"
    )
    done = box.run([PY, "-c", script], timeout=20)
    words = done.stdout.split()
    assert words[:1] == [b"stopped"], done
    assert int(words[1]) < small.processes
    box.kill_all()
    assert sh(box, "echo still usable").stdout == b"still usable\n"


def test_file_size_open_files_and_workspace_limits(box, small):
    big = sh(box, "head -c 5000000 /dev/zero > big; echo $?")
    assert big.stdout.strip() != b"0"
    assert int(sh(box, "stat -c %s big").stdout) <= small.file_size_bytes
    files = box.run([PY, "-c", "fs = [open('/dev/null') for _ in range(1000)]"], timeout=10)
    assert b"Too many open files" in files.stderr
    fill = sh(box, "for i in 1 2 3 4 5 6; do head -c 3000000 /dev/zero > f$i || exit 7; done", timeout=20)
    assert fill.exit_code == 7
    assert b"No space left" in fill.stderr


def test_timeout_kills_the_run(box):
    start = time.monotonic()
    done = box.run(["/usr/bin/sleep", "100"], timeout=0.5)
    assert done.timed_out
    assert done.exit_code is None
    assert time.monotonic() - start < 3


def test_box_wall_clock_limit(backend, source, small):
    with backend.open(source, limits=dataclasses.replace(small, wall_seconds=1)) as box:
        start = time.monotonic()
        with pytest.raises(BoxClosed):
            box.run(["/usr/bin/sleep", "100"], timeout=50)
        assert time.monotonic() - start < 3
        with pytest.raises(BoxClosed):
            box.run(["/usr/bin/true"], timeout=5)


def test_output_is_capped(box, small):
    done = sh(box, "head -c 50000000 /dev/zero; echo done >&2", timeout=20)
    assert done.exit_code == 0
    assert len(done.stdout) == small.output_bytes
    assert done.output_truncated
    assert done.stderr == b"done\n"


def test_close_kills_every_process_even_daemons(backend, source, small):
    daemon = (
        "import os, time\n"
        "if os.fork(): os._exit(0)\n"
        "os.setsid()\n"
        "if os.fork(): os._exit(0)\n"
        "os.close(1); os.close(2)\n"
        "time.sleep(300)\n"
    )
    with backend.open(source, limits=small) as box:
        assert box.run([PY, "-c", daemon], timeout=10).exit_code == 0
        assert box._box_pids(), "the daemon should still run inside the box"
        uid = box.uid
        pidns = box._pidns
    if uid is not None:
        assert [pid for pid in _pids() if _proc_uid(pid) == uid] == []
    assert [pid for pid in _pids() if os.path.exists(f"/proc/{pid}") and _ns(pid) == pidns] == []


def _ns(pid):
    try:
        return os.readlink(f"/proc/{pid}/ns/pid")
    except OSError:
        return None


def test_kill_all_keeps_the_box_usable(box):
    box.start(["/usr/bin/sleep", "300"])
    box.run([PY, "-c", "import os,time\nif os.fork()==0: os.setsid(); time.sleep(300)"], timeout=10)
    assert len(box._box_pids()) >= 2
    box.kill_all()
    assert box._box_pids() == []
    assert sh(box, "cat pkg/data.txt").stdout == b"data\n"


def test_listening_tells_loopback_from_all_interfaces(box):
    box.run(["/bin/sh", "-c", f"cat > server.py <<'EOF'\n{SERVER}\nEOF"], timeout=10)
    box.start([PY, "server.py", "127.0.0.1", "8001"])
    box.start([PY, "server.py", "0.0.0.0", "8002"])
    box.start(
        [
            PY,
            "-c",
            "import socket; s=socket.socket(socket.AF_INET6); s.bind(('::', 8003)); "
            "s.listen(); import time; time.sleep(60)",
        ]
    )
    for port in (8001, 8002, 8003):
        wait_for_port(box, port)
    found = box.listening()
    assert ("127.0.0.1", 8001) in found
    assert ("0.0.0.0", 8002) in found
    assert ("::", 8003) in found


def test_http_probe_from_the_host(box):
    box.run(["/bin/sh", "-c", f"cat > server.py <<'EOF'\n{SERVER}\nEOF"], timeout=10)
    proc = box.start([PY, "server.py", "0.0.0.0", "8000"])
    wait_for_port(box, 8000)
    got = box.http(8000, "/ping", timeout=5)
    assert (got.status, got.body, got.headers["x-test"]) == (200, b"hi /ping", "1")
    posted = box.http(8000, "/", method="POST", body=b"payload", timeout=5)
    assert (posted.status, posted.body) == (201, b"payload")
    assert box.http(8000, "/" + "a" * 100, timeout=5, max_body=10).truncated
    proc.signal(signal.SIGTERM)
    assert proc.wait(5) == 0
    with pytest.raises(ProbeError):
        box.http(8000, timeout=2)


def test_http_probe_times_out_on_a_silent_server(box):
    box.start(
        [
            PY,
            "-c",
            "import socket,time; s=socket.socket(); s.bind(('0.0.0.0', 8000)); s.listen(); "
            "c=s.accept(); c[0].send(b'HTTP/1.1 200 OK\\r\\n'); time.sleep(60)",
        ]
    )
    wait_for_port(box, 8000)
    start = time.monotonic()
    with pytest.raises(ProbeError):
        box.http(8000, timeout=1)
    assert time.monotonic() - start < 2


def test_signal_reaches_the_process_and_wait_reports_it(box):
    proc = box.start(["/usr/bin/sleep", "60"])
    assert proc.alive()
    assert proc.wait(0.2) is None
    proc.signal(signal.SIGTERM)
    assert proc.wait(5) == -signal.SIGTERM
    assert not proc.alive()


def test_files_lists_without_following_links(box):
    sh(box, "ln -s /etc/hostname link; ln -s / root; mkdir -p logs; echo x > logs/app.log")
    entries = {entry.path: entry for entry in box.files()}
    assert entries["link"].is_symlink and not entries["link"].is_dir
    assert entries["root"].is_symlink
    assert entries["logs"].is_dir
    assert entries["logs/app.log"].size == 2
    assert "pkg/data.txt" in entries


def test_files_sees_into_folders_made_unreadable(box):
    sh(box, "mkdir -p hidden/deeper && echo x > hidden/deeper/app.log && chmod 000 hidden/deeper hidden")
    assert "hidden/deeper/app.log" in {entry.path for entry in box.files()}


def test_ro_mounts(backend, source, small):
    wheels = Path(tempfile.mkdtemp())
    wheels.chmod(0o755)
    (wheels / "a-1.0-py3-none-any.whl").write_text("w")
    with backend.open(source, limits=small, ro_mounts={"/wheelhouse": wheels}) as box:
        assert sh(box, "ls /wheelhouse").stdout == b"a-1.0-py3-none-any.whl\n"
        assert sh(box, "echo x > /wheelhouse/b").exit_code != 0
    assert [p.name for p in wheels.iterdir()] == ["a-1.0-py3-none-any.whl"]
    shutil.rmtree(wheels)


@pytest.mark.skipif(os.geteuid() != 0, reason="slot uids exist only when the grader runs as root")
def test_ro_mount_unreachable_by_the_slot_uid_is_staged(backend, source, small, tmp_path):
    staging = Path(tempfile.mkdtemp()) / "staging"  # reachable, like the default /var/cache/...
    staging.parent.chmod(0o755)
    backend = BwrapBackend(dataclasses.replace(backend.settings, staging_dir=staging))
    hidden = tmp_path / "private"  # under pytest's 0700 tmp dir: the slot uid cannot reach it
    (hidden / "sub").mkdir(parents=True)
    (hidden / "sub" / "w.whl").write_text("wheel")
    (hidden / "secret").write_text("root only")
    (hidden / "secret").chmod(0o600)
    try:
        with backend.open(source, limits=small, ro_mounts={"/wheelhouse": hidden}) as box:
            assert sh(box, "cat /wheelhouse/sub/w.whl /wheelhouse/secret").stdout == b"wheelroot only"
        assert (hidden / "secret").stat().st_mode & 0o777 == 0o600  # the original is untouched
    finally:
        shutil.rmtree(staging.parent, ignore_errors=True)


def test_two_boxes_at_once_get_different_slots(backend, source, small):
    results = []

    def grade():
        with backend.open(source, limits=small) as box:
            results.append((box.uid, sh(box, "echo ok").stdout))
            time.sleep(0.3)

    threads = [threading.Thread(target=grade) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [out for _, out in results] == [b"ok\n", b"ok\n"]
    if os.geteuid() == 0:
        assert results[0][0] != results[1][0]


def test_unavailable_without_bwrap(monkeypatch, tmp_path, source, small):
    monkeypatch.setenv("PATH", str(tmp_path))
    backend = BwrapBackend()
    with pytest.raises(SandboxUnavailable, match="sandbox unavailable: bwrap not found"):
        backend.check()
    with pytest.raises(SandboxUnavailable):
        backend.open(source, limits=small)


def test_unknown_backend_is_unavailable():
    with pytest.raises(SandboxUnavailable):
        get_backend("docker-that-is-not-there")


def test_unavailable_when_namespaces_cannot_be_created(monkeypatch):
    fake = Path(tempfile.mkdtemp())  # the slot uid runs it: not under pytest's 0700 tmp_path
    fake.chmod(0o755)
    (fake / "bwrap").write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
    (fake / "bwrap").chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake}:/usr/bin:/bin")
    try:
        with pytest.raises(SandboxUnavailable, match="sandbox unavailable: .*No permissions to create new namespace"):
            BwrapBackend().check()
    finally:
        shutil.rmtree(fake)


def test_settings_are_read_from_the_environment_when_the_backend_is_made(monkeypatch, tmp_path):
    monkeypatch.setenv("SANDBOX_SLOTS", "3")
    monkeypatch.setenv("SANDBOX_UID_BASE", "20001")
    monkeypatch.setenv("SANDBOX_STAGING_DIR", str(tmp_path / "staging"))
    monkeypatch.setenv("SANDBOX_CGROUPS", "0")
    monkeypatch.setenv("SANDBOX_SLOT_WAIT_SECONDS", "not a number")
    settings = get_backend("bwrap").settings
    assert (settings.slots, settings.uid_base, settings.cgroups) == (3, 20001, False)
    assert settings.staging_dir == tmp_path / "staging"
    assert settings.slot_wait_seconds == SandboxSettings().slot_wait_seconds  # a bad value keeps the default
    monkeypatch.setenv("SANDBOX_SLOTS", "0")
    assert SandboxSettings.from_env().slots == 1


def test_helper_programs_are_real_modules():
    from labs.sandbox.bwrap.helpers import lockdown, socket_helper, source

    for module in (lockdown, socket_helper):
        assert callable(module.main)
        compile(source(module.__name__.rsplit(".", 1)[1]), module.__file__, "exec")

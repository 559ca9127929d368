"""Harness of the hostile suite: each test builds a hostile submission, grades it, and this module checks that the
host was untouched.

- `judge(path)` grades with `labs.grading.grade(path, "audit")` (with the audit lab's limits made small, so the suite
  stays fast), and gives back ("scorecard", dict) or ("refused", reason), plus the time it took.
- `next_grades_normally` (autouse): after each test, a clean app grades and its web process passes factor VII.
- `guard` (autouse) plants a sentinel file on the host, sentinel secrets in the grader's environment and a host
  loopback listener; afterwards the file is unchanged, no secret appears in anything the grader returned, the
  listener got no connection, and no process of the sandbox's slot uids is left.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import tempfile
import textwrap
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from labs.sandbox import SandboxUnavailable, get_backend
from labs.sandbox.bwrap.box import BwrapBox
from labs.sandbox.bwrap.host import pids

SMALL_LIMITS = {
    "build_seconds": 40,
    "release_seconds": 8,
    "start_seconds": 4,
    "memory_mb": 384,
    "processes": 48,
    "file_size_mb": 8,
    "open_files": 128,
    "output_kb": 64,
    "workspace_mb": 48,
}


@dataclass
class Host:
    sentinel_file: Path
    sentinel_text: str
    secrets: dict[str, str]
    listener_port: int
    connections: list = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)  # everything the grader gave back during the test
    boxes: list = field(default_factory=list)  # the sandboxes opened during the test


@pytest.fixture(scope="session")
def sandbox_ready():
    try:
        get_backend().check()
    except SandboxUnavailable as e:
        pytest.fail(str(e))


@pytest.fixture(scope="session")
def small_labs_dir(tmp_path_factory):
    """The real labs, with the audit lab's limits made small."""
    from labs.grading.definitions import LABS_DIR

    labs = tmp_path_factory.mktemp("labs")
    shutil.copytree(LABS_DIR, labs, dirs_exist_ok=True)
    lab_yaml = labs / "audit" / "lab.yaml"
    raw = yaml.safe_load(lab_yaml.read_text())
    raw["limits"] = {**(raw.get("limits") or {}), **SMALL_LIMITS}
    lab_yaml.write_text(yaml.safe_dump(raw))
    return labs


@pytest.fixture(autouse=True)
def guard(monkeypatch, sandbox_ready):
    boxes: list = []
    original_init = BwrapBox.__init__

    def tracking_init(self, *args, **kwargs):
        boxes.append(self)
        original_init(self, *args, **kwargs)

    monkeypatch.setattr(BwrapBox, "__init__", tracking_init)
    token = secrets.token_hex(8)
    sentinel = Path(tempfile.gettempdir()) / f"hostile-sentinel-{token}"
    sentinel.write_text("sentinel " + token)
    secret_values = {
        "SECRET_KEY": f"sentinel-secret-{token}",
        "DATABASE_URL": f"postgres://grader:sentinel-db-{token}@db.internal/prod",
        "CELERY_BROKER_URL": f"redis://:sentinel-broker-{token}@redis.internal:6379/0",
    }
    for name, value in secret_values.items():
        monkeypatch.setenv(name, value)
    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.1)
    host = Host(sentinel, sentinel.read_text(), secret_values, listener.getsockname()[1], boxes=boxes)
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, addr = listener.accept()
            except (TimeoutError, OSError):
                continue
            host.connections.append(addr)
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    before = set(Path(tempfile.gettempdir()).iterdir())
    try:
        yield host
    finally:
        stop.set()
        thread.join()
        listener.close()
    assert sentinel.read_text() == host.sentinel_text, "the host sentinel file was changed"
    sentinel.unlink()
    assert host.connections == [], "the host loopback listener received a connection"
    for text in host.outputs:
        for value in secret_values.values():
            assert value not in text, "a host secret leaked into the grader's output"
    assert all(box._closed for box in boxes), "a sandbox was left open"
    leftovers = _wait_no_survivors(boxes)
    assert leftovers == [], f"sandbox processes survived: {leftovers}"
    planted = {p.name for p in set(Path(tempfile.gettempdir()).iterdir()) - before}
    assert not any(name.startswith("pwned") for name in planted), planted


def _survivors(boxes: list) -> list[str]:
    """Processes left by the boxes opened during a test: anything in their PID namespaces, or in a session
    that one of our host-side helpers (bwrap, nsenter) led. Other graders running on this machine at the same
    time use slot uids too, so the uid alone cannot tell."""
    pidns = {box._pidns for box in boxes if getattr(box, "_pidns", None)}
    sessions = set()
    for box in boxes:
        if getattr(box, "_holder", None) is not None:
            sessions.add(box._holder.pid)
        sessions.update(proc.popen.pid for proc in box._procs)
    found = []
    for pid in pids():
        try:
            ns = os.readlink(f"/proc/{pid}/ns/pid")
            with open(f"/proc/{pid}/stat", "rb") as f:
                fields = f.read().rsplit(b")", 1)[1].split()
        except OSError:
            continue
        state, sid = fields[0], int(fields[3])
        if ns in pidns or sid in sessions:
            found.append(f"{pid} state={state.decode()} sid={sid} ns={ns}")
    return found


def _wait_no_survivors(boxes: list, timeout: float = 3.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while True:
        left = _survivors(boxes)
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.05)


@pytest.fixture
def judge(guard, small_labs_dir):
    """judge(path) -> (kind, value, seconds); kind is "scorecard" (value: its dict) or "refused" (value: reason)."""
    from labs.grading import SubmissionRefused, grade

    def run(path: Path):
        start = time.monotonic()
        try:
            card = grade(path, "audit", labs_dir=small_labs_dir).to_dict()
        except SubmissionRefused as e:
            guard.outputs.append(str(e))
            return "refused", str(e), time.monotonic() - start
        guard.outputs.append(json.dumps(card))
        return "scorecard", card, time.monotonic() - start

    return run


CLEAN_APP = """
import os
from http.server import BaseHTTPRequestHandler, HTTPServer

class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"ok"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

HTTPServer(("0.0.0.0", int(os.environ["PORT"])), Handler).serve_forever()
"""


def write_app(root: Path, app: str, *, procfile: str = "web: python app.py\n", extra: dict | None = None) -> Path:
    """A tiny Python web app (standard library only) whose web process runs `app`."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "app.py").write_text(textwrap.dedent(app))
    (root / "Procfile").write_text(procfile)
    (root / "requirements.txt").write_text("")
    for name, content in (extra or {}).items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(content)
    return root


def check_web(card: dict, *, answered: bool | None = None) -> dict[str, dict]:
    """Checks by id; sanity of the scorecard shape."""
    assert 0 <= card["score"] <= 100
    checks = {c["id"]: c for c in card["checks"]}
    assert checks, card
    return checks


@pytest.fixture(autouse=True)
def next_grades_normally(judge, tmp_path):
    """Call after a hostile grade: a clean submission then grades and its web process answers."""

    def run() -> None:
        clean = write_app(tmp_path / "clean-after", CLEAN_APP)
        kind, card, _ = judge(clean)
        assert kind == "scorecard", card
        assert card["error"] is None, card["error"]
        statuses = {c["id"]: c["status"] for c in card["checks"]}
        port = [c for c in card["checks"] if c["factor"] == 7]
        assert port and any(c["status"] == "pass" for c in port), statuses

    yield run
    run()  # after every hostile submission, the next one grades normally

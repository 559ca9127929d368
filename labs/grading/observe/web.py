"""The run stage: two deploys of the web process on their own PORTs, probed over HTTP, plus the other process
types; deploy B gets the debug and statelessness probes, deploy A the shutdown."""

from __future__ import annotations

import logging
import secrets
import signal
import time
from typing import TYPE_CHECKING

from labs.grading.observe.commands import argv, crash, tail
from labs.grading.observe.session import Session
from labs.grading.observe.shutdown import shutdown
from labs.grading.observe.statelessness import state
from labs.grading.process_types import ProcessType
from labs.grading.report import OtherProcess, WebInstance

if TYPE_CHECKING:
    from labs.sandbox import Process

log = logging.getLogger(__name__)

DEBUG_MARKERS = (
    b"Werkzeug Debugger",
    b"Traceback (most recent call last)",
    b"you have <code>DEBUG = True</code>",
    b"DEBUG = True",
    b"Django Version:",
    b"Page not found at /",
)
# A service that answers once and then dies would look healthy to a single probe: each deploy must still be
# running this long after it started before its probes count.
MIN_LIFETIME = 2.0


def run(session: Session) -> None:
    box, report = session.box, session.report
    web = session.repo.process_types.web  # declared in any descriptor, or inferred as a platform would
    report.files_before_web = session.listing()
    others = [e for e in session.repo.process_types.long_running if e is not web][:3]
    started_others = [(e, box.start(argv(e), env=session.env)) for e in others]
    if web is None:
        _check_others(session, started_others, min_age=1.0)
        return
    report.web_command = web.command
    instances = [WebInstance("A", port) for port in _free_ports(2)]
    procs = []
    for instance in instances:
        procs.append(box.start(argv(web), env={**session.env, "PORT": str(instance.port)}))
        instance.started = True
    report.web_instances = instances
    deadline = time.monotonic() + session.lab.limits.start_seconds
    instances[1].label = "B"
    for proc, instance in zip(procs, instances, strict=True):
        _wait_ready(session, proc, instance, deadline)
    sockets = box.listening()
    for proc, instance in zip(procs, instances, strict=True):
        instance.listening = [(a, p) for a, p in sockets]
        if not instance.answered:
            # A process still running may have logged a traceback it survived: only an exit is told by its crash.
            summary = tail if proc.alive() else crash
            instance.output_tail = summary(proc.stderr() + proc.stdout())
    a_proc, b_proc = procs
    a, b = instances
    if b.answered:
        _probe_b(session, b_proc, b, a if a.answered else None)
    _check_alive(procs, instances)
    if a.answered:
        shutdown(session, a_proc, a)
    _check_others(session, started_others, min_age=1.0)
    for proc in (b_proc, a_proc):
        if proc.alive():
            proc.signal(signal.SIGTERM)
    for proc in (b_proc, a_proc):
        if proc.wait(5) is None:
            proc.kill()


def _free_ports(count: int) -> list[int]:
    ports: list[int] = []
    while len(ports) < count:
        port = 20000 + secrets.randbelow(40000)
        if port not in ports:
            ports.append(port)
    return ports


def _wait_ready(session: Session, proc: Process, instance: WebInstance, deadline: float) -> None:
    box = session.box
    path = session.contract.health.path
    last_error = ""
    while time.monotonic() < deadline:
        if not proc.alive():
            instance.failure = f"exited with status {proc.returncode} before answering"
            return
        if any(port == instance.port for _, port in box.listening()):
            try:
                result = box.http(instance.port, path, timeout=max(0.5, min(3.0, deadline - time.monotonic())))
            except Exception as exc:  # ProbeError: not ready yet
                log.debug("not ready: %s", exc)
                last_error = str(exc)
            else:
                if result.truncated:
                    # Content-Length: 10**12, or a body that never ends: no client would ever see a page.
                    instance.failure = f"the response to GET {path} never completed (still sending after 1 MiB)"
                    return
                instance.ready_after = time.monotonic() - proc.started_at
                instance.first_status = result.status
                return
        time.sleep(0.03)
    if "no complete response" in last_error:
        instance.failure = f"the response to GET {path} never completed: {last_error}"
    else:
        instance.failure = f"no HTTP answer on PORT={instance.port} within {session.lab.limits.start_seconds:.0f} s"
        # What it listens on instead (a fixed port): read from the box's sockets, not from what it printed.
        ours = {other.port for other in session.report.web_instances} | {instance.port}
        elsewhere = sorted({f"{addr}:{port}" for addr, port in box.listening() if port not in ours})
        if elsewhere:
            instance.failure += f", but it listens on {', '.join(elsewhere[:3])} instead"


def _check_alive(procs: list[Process], instances: list[WebInstance]) -> None:
    oldest = min(proc.started_at for proc in procs)
    remaining = MIN_LIFETIME - (time.monotonic() - oldest)
    if remaining > 0:
        time.sleep(remaining)
    for proc, instance in zip(procs, instances, strict=True):
        if instance.answered and not proc.alive():
            age = time.monotonic() - proc.started_at
            instance.died = f"exited with status {proc.returncode} within {age:.1f} s of starting"
            instance.output_tail = crash(proc.stderr() + proc.stdout())


def _probe_b(session: Session, proc: Process, b: WebInstance, a: WebInstance | None) -> None:
    """A path that does not exist (does it show a debug page?), then statelessness or two health probes; and how
    much B wrote to its pipes meanwhile (an access log)."""
    before = len(proc.stdout()) + len(proc.stderr())
    missing = f"/grader-missing-{secrets.token_hex(4)}"
    try:
        result = session.http(b.port, missing)
        session.report.debug_probe = (result.status, any(m in result.body for m in DEBUG_MARKERS))
    except Exception as exc:
        log.info("debug probe failed: %s", exc)
    contract = session.contract
    if a is not None and contract.state_write and contract.state_read:
        session.report.state = state(session, contract.state_write, contract.state_read, a, b)
    else:
        for _ in range(2):
            try:
                session.http(b.port, contract.health.path)
            except Exception as exc:
                log.info("probe failed: %s", exc)
    time.sleep(0.15)  # let the access log line reach the pipe
    session.report.output_growth = len(proc.stdout()) + len(proc.stderr()) - before


def _check_others(session: Session, started: list[tuple[ProcessType, Process]], *, min_age: float) -> None:
    for entry, proc in started:
        age = time.monotonic() - proc.started_at
        if age < min_age:
            time.sleep(min_age - age)
        other = OtherProcess(entry.name)
        if proc.alive():
            other.alive_after = time.monotonic() - proc.started_at
            proc.signal(signal.SIGTERM)
            if proc.wait(3) is None:
                proc.kill()
        else:
            other.exit_code = proc.returncode
        session.report.others.append(other)

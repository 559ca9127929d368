"""Disposability: SIGTERM sent while a request is in flight, and how the process exits."""

from __future__ import annotations

import signal
import threading
import time
from typing import TYPE_CHECKING

from labs.grading.observe.session import Session
from labs.grading.report import Shutdown, WebInstance

if TYPE_CHECKING:
    from labs.sandbox import Process

# Without a slow path, the request in flight at SIGTERM is one still arriving: its headers end this late.
ARRIVING_FOR = 1.0


def shutdown(session: Session, proc: Process, a: WebInstance) -> None:
    contract = session.contract
    slow = contract.slow
    method, path = (slow.method, slow.path) if slow else ("GET", contract.health.path)
    arriving_for = 0.0 if slow else ARRIVING_FOR
    timeout = (contract.slow_seconds if slow else arriving_for) + 12
    report = session.report.shutdown = Shutdown(f"{method} {path}", arriving=slow is None)
    sent_at = time.monotonic()

    def request() -> None:
        try:
            result = session.box.http(a.port, path, method=method, timeout=timeout, arriving_for=arriving_for)
            report.response_status = result.status
        except Exception as exc:
            report.response_error = str(exc)[:200] or type(exc).__name__
        report.response_elapsed = time.monotonic() - sent_at

    worker = threading.Thread(target=request, daemon=True)
    worker.start()
    time.sleep(0.3 if slow is None else min(0.3, contract.slow_seconds / 3))
    signalled = time.monotonic()
    report.signal_after = signalled - sent_at
    proc.signal(signal.SIGTERM)
    report.exit_code = proc.wait(10)
    if report.exit_code is not None:
        report.exit_after = time.monotonic() - signalled
        report.port_still_open = any(port == a.port for _, port in session.box.listening())
    else:
        proc.kill()
    worker.join(timeout + 1)

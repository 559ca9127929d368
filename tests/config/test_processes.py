"""The Procfile's processes, started for real: port binding, JSON logs, graceful SIGTERM, worker round trip."""

import json
import signal
import socket
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import free_port, wait_for_http

pytestmark = pytest.mark.process


def listening_addresses(pid: int, port: int) -> set[str]:
    """Local addresses with a socket in LISTEN state on `port`, read from the kernel's table for the process."""
    addresses = set()
    for table in ("tcp", "tcp6"):
        path = Path(f"/proc/{pid}/net/{table}")
        for row in path.read_text().splitlines()[1:]:
            local, state = row.split()[1], row.split()[3]
            address, port_hex = local.split(":")
            if state == "0A" and int(port_hex, 16) == port:
                addresses.add(address)
    return addresses


def assert_every_line_is_json(output: str) -> list[dict]:
    lines = [line for line in output.splitlines() if line.strip()]
    assert lines, "the process wrote nothing to stdout"
    return [json.loads(line) for line in lines]


def test_web_binds_port_on_all_interfaces_and_logs_json(start_process):
    port = free_port()
    web = start_process("web", PORT=str(port), WEB_CONCURRENCY="1")
    wait_for_http(f"http://127.0.0.1:{port}/healthz")

    assert listening_addresses(web.popen.pid, port) == {"00000000"}  # 0.0.0.0, not 127.0.0.1
    # /healthz touches no database: this test needs no migrated schema, on SQLite or PostgreSQL.
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
        assert response.status == 200
        request_id = response.headers["X-Request-ID"]

    exit_code, stdout, stderr = web.stop()

    assert exit_code == 0, stderr
    events = assert_every_line_is_json(stdout)
    access = [e for e in events if e["logger"] == "gunicorn.access" and e.get("request_id") == request_id]
    assert access and access[0]["path"] == "/healthz" and access[0]["status"] == "200"
    assert {"time", "level", "logger", "message"} <= set(events[0])
    assert any(f"0.0.0.0:{port}" in e["message"] for e in events)


def test_web_finishes_an_in_flight_request_after_sigterm(start_process):
    port = free_port()
    web = start_process("web", PORT=str(port), WEB_CONCURRENCY="1")
    wait_for_http(f"http://127.0.0.1:{port}/healthz")

    # A slow client: headers and half the body now, the rest after SIGTERM. The worker is inside the request,
    # blocked reading the body, when the signal arrives.
    body = b"username=a&password=b&x=1234567890"
    client = socket.create_connection(("127.0.0.1", port), timeout=15)
    client.sendall(
        b"POST /accounts/login/ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n"
        b"Content-Type: application/x-www-form-urlencoded\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
        + body[:10]
    )
    time.sleep(0.5)
    web.popen.send_signal(signal.SIGTERM)
    time.sleep(1.0)
    assert web.popen.poll() is None, "gunicorn exited with a request still in flight"
    client.sendall(body[10:])
    response = b""
    while chunk := client.recv(65536):
        response += chunk
    client.close()

    exit_code, stdout, stderr = web.stop(timeout=30)

    assert response.startswith(b"HTTP/1.1 403"), response[:200]  # answered (CSRF refuses the form), not dropped
    assert exit_code == 0, stderr
    assert_every_line_is_json(stdout)


def test_worker_runs_a_task_and_stops_cleanly(start_process):
    from labs.tasks import ping

    worker = start_process("worker")
    result = ping.delay("round trip")

    assert result.get(timeout=60) == "round trip"
    exit_code, stdout, stderr = worker.stop()
    assert exit_code == 0, stderr
    events = assert_every_line_is_json(stdout)
    assert any("labs.tasks.ping" in e["message"] and "succeeded" in e["message"] for e in events)

"""Web process start-up and shutdown, against a bare Python HTTP server measured in the same run.

Prints one summary line each for: exec → first 200 on /healthz, SIGTERM → exit, and the web worker's RSS.
Targets (DESIGN §9): ready under 1.5 s, exit within 10 s, worker RSS under 100 MB.
"""

import os
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.conftest import free_port, procfile_command  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "5"))
BASELINE_SERVER = (
    "import http.server, os\n"
    "class H(http.server.BaseHTTPRequestHandler):\n"
    "    def do_GET(self):\n"
    "        self.send_response(200); self.end_headers(); self.wfile.write(b'ok')\n"
    "    def log_message(self, *a): pass\n"
    "http.server.HTTPServer(('0.0.0.0', int(os.environ['PORT'])), H).serve_forever()\n"
)


def web_command() -> list[str]:
    return ["sh", "-c", "exec " + procfile_command("web")]


def env_for(port: int) -> dict[str, str]:
    env = dict(os.environ, PORT=str(port), WEB_CONCURRENCY="1")
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    env.setdefault("SECRET_KEY", "bench-secret-key-" + "x" * 40)
    return env


def wait_ready(url: str, timeout: float = 30) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return time.monotonic() - started
        except OSError:
            time.sleep(0.01)
    raise TimeoutError(url)


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def child_pids(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(x) for x in path.read_text().split()] if path.exists() else []


def measure(argv: list[str], path: str) -> tuple[float, float, float, int]:
    port = free_port()
    started = time.monotonic()
    process = subprocess.Popen(argv, cwd=REPO, env=env_for(port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_ready(f"http://127.0.0.1:{port}{path}")
    ready = time.monotonic() - started  # exec → first 200
    workers = child_pids(process.pid) or [process.pid]
    urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5).read()  # warm the worker once
    rss = max(rss_mb(pid) for pid in workers)
    stop_started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    exit_code = process.wait(timeout=30)
    return ready, time.monotonic() - stop_started, rss, exit_code


def main() -> None:
    web = [measure(web_command(), "/healthz") for _ in range(RUNS)]
    base = [measure([sys.executable, "-c", BASELINE_SERVER], "/") for _ in range(RUNS)]
    ready_web, ready_base = statistics.median(r[0] for r in web), statistics.median(r[0] for r in base)
    stop_web, stop_base = statistics.median(r[1] for r in web), statistics.median(r[1] for r in base)
    rss_web, rss_base = statistics.median(r[2] for r in web), statistics.median(r[2] for r in base)
    exits = sorted({r[3] for r in web})
    print(
        f"startup: web ready {ready_web * 1000:.0f} ms median of {RUNS} (bare http.server {ready_base * 1000:.0f} ms, "
        f"ratio {ready_web / ready_base:.1f}x; target < 1500 ms)"
    )
    print(
        f"shutdown: SIGTERM to exit {stop_web * 1000:.0f} ms median, exit codes {exits} "
        f"(bare http.server {stop_base * 1000:.0f} ms; target < 10000 ms, exit 0)"
    )
    print(
        f"memory: web worker RSS {rss_web:.1f} MB (bare http.server {rss_base:.1f} MB, "
        f"ratio {rss_web / rss_base:.1f}x; target < 100 MB)"
    )


if __name__ == "__main__":
    main()

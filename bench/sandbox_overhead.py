"""What the sandbox costs: per-process start overhead against a bare exec, box open/close, and host-side probes.

One summary line per measure (medians of N runs, N = BENCH_EXECS, default 50). Target (DESIGN §9): under 15 ms
of overhead per sandboxed process. `measure()` returns the numbers for bench/grader.py or a test to use.
Needs bubblewrap; as root it runs as the slot uids, as it does in production.
"""

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from labs.sandbox import Limits, get_backend  # noqa: E402

EXECS = int(os.environ.get("BENCH_EXECS", "50"))
SERVER = (
    "import http.server, os\n"
    "class H(http.server.BaseHTTPRequestHandler):\n"
    "    def do_GET(self):\n"
    "        self.send_response(200); self.send_header('Content-Length', '2'); self.end_headers()\n"
    "        self.wfile.write(b'ok')\n"
    "    def log_message(self, *a): pass\n"
    "http.server.HTTPServer(('0.0.0.0', 8000), H).serve_forever()\n"
)


def _median_ms(fn, runs: int = EXECS) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def measure() -> dict[str, float]:
    """Milliseconds: bare, boxed_run, overhead, boxed_start, open_close, http, listening, files."""
    backend = get_backend()
    backend.check()
    with tempfile.TemporaryDirectory() as tmp:
        Path(tmp, "server.py").write_text(SERVER)
        result = {"bare": _median_ms(lambda: subprocess.run(["/usr/bin/true"], check=True))}
        result["open_close"] = _median_ms(lambda: backend.open(Path(tmp), limits=Limits()).close(), runs=10)
        with backend.open(Path(tmp), limits=Limits()) as box:
            result["boxed_run"] = _median_ms(lambda: box.run(["/usr/bin/true"], timeout=10))

            def start_and_wait() -> None:
                box.start(["/usr/bin/true"]).wait(10)

            result["boxed_start"] = _median_ms(start_and_wait)
            box.start(["/usr/bin/python3", "server.py"])
            deadline = time.monotonic() + 10
            while not box.listening() and time.monotonic() < deadline:
                time.sleep(0.01)
            result["http"] = _median_ms(lambda: box.http(8000, "/", timeout=5))
            result["listening"] = _median_ms(box.listening)
            result["files"] = _median_ms(box.files, runs=20)
    result["overhead"] = result["boxed_run"] - result["bare"]
    return result


def main() -> None:
    r = measure()
    print(
        f"sandbox: {r['overhead']:.1f} ms overhead per process (Box.run {r['boxed_run']:.1f} ms vs bare exec "
        f"{r['bare']:.1f} ms, medians of {EXECS}; target < 15 ms)"
    )
    print(
        f"sandbox: open+close {r['open_close']:.1f} ms; start+wait {r['boxed_start']:.1f} ms; "
        f"http probe {r['http']:.2f} ms; listening() {r['listening']:.2f} ms; files() {r['files']:.1f} ms"
    )


if __name__ == "__main__":
    main()

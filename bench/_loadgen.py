"""A small closed-loop HTTP load generator: N keep-alive connections, each sending its next request as soon as the
last answer arrives. Used by the benchmarks to compare two URLs on the same server in the same run."""

import http.client
import statistics
import threading
import time
from dataclasses import dataclass
from urllib.parse import urlsplit


@dataclass
class LoadResult:
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def rps(self) -> float:
        return self.requests / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))] if ordered else float("nan")

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies_ms) if self.latencies_ms else float("nan")


def run_load(
    url: str,
    *,
    concurrency: int = 16,
    seconds: float = 5.0,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body_for=None,
) -> LoadResult:
    """Hit `url` from `concurrency` threads for `seconds`. `body_for(i)` may give a request body per request."""
    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def worker(worker_id: int) -> None:
        nonlocal errors
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        count = 0
        local: list[float] = []
        local_errors = 0
        while time.monotonic() < deadline:
            body = body_for(worker_id, count) if body_for else None
            started = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers or {})
                response = connection.getresponse()
                response.read()
                ok = response.status < 400
                if response.getheader("Connection", "").lower() == "close":
                    connection.close()
            except (OSError, http.client.HTTPException):
                ok = False
                connection.close()
                connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
            elapsed = (time.perf_counter() - started) * 1000
            if ok:
                local.append(elapsed)
            else:
                local_errors += 1
            count += 1
        connection.close()
        with lock:
            latencies.extend(local)
            errors += local_errors

    started = time.monotonic()
    threads = [threading.Thread(target=worker, args=(i,)) for i in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return LoadResult(len(latencies), errors, time.monotonic() - started, latencies)

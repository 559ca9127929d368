"""Closed-loop load from `wrk` (a C load generator, so the client does not compete in Python with the server), with
the Python generator in `_loadgen` as the fallback when `wrk` is not installed. Both return a `LoadResult`."""

import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _loadgen import LoadResult, run_load  # noqa: E402

# wrk calls done() once with the merged statistics; printing them as JSON spares parsing its human summary.
# Latencies are in microseconds. Responses >= 400 count as errors, as they do in _loadgen.
DONE_SCRIPT = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write("WRK_JSON" .. string.format(
    '{"requests": %d, "seconds": %f, "errors": %d, "p50": %f, "p95": %f, "p99": %f}',
    summary.requests, summary.duration / 1e6, e.connect + e.read + e.write + e.status + e.timeout,
    latency:percentile(50) / 1e3, latency:percentile(95) / 1e3, latency:percentile(99) / 1e3) .. "\\n")
end
"""


class WrkResult(LoadResult):
    """wrk reports percentiles, not every latency: keep those it gave."""

    def __init__(self, requests: int, errors: int, seconds: float, p50: float, p95: float, p99: float) -> None:
        super().__init__(requests - errors, errors, seconds, [])
        self._percentiles = {50: p50, 95: p95, 99: p99}

    def percentile(self, p: float) -> float:
        return self._percentiles[p]

    @property
    def p50(self) -> float:
        return self._percentiles[50]


def generator() -> str:
    return "wrk" if shutil.which("wrk") and not os.environ.get("BENCH_PYTHON_LOADGEN") else "python"


# Attempts at a start whose connections every worker shares before a round runs on whatever start it got.
SPREAD_ATTEMPTS = 10


def load(
    url: str,
    *,
    concurrency: int = 16,
    seconds: float = 5.0,
    headers: dict[str, str] | None = None,
    workers: int = 1,
    requests_script: str = "",
    script_args: tuple[str, ...] = (),
) -> LoadResult:
    """GET `url` from `concurrency` keep-alive connections for `seconds`.

    `requests_script`: Lua that makes each request itself (wrk's `init` and `request`, reading `script_args`), for
    requests that differ one from the next (bench/quiz.py's answers); the caller offers the Python fallback.

    `workers`: the server's worker processes. Which one serves a keep-alive connection is decided once, when one of
    them accepts it, and gunicorn's workers race for each: in one start of eight, one worker took all 16 connections
    and the other sat idle, halving that round's rate whatever was served. So with `workers` > 1, a start in which a
    worker holds less than half its share of the connections is stopped and started again (the page and the file it
    is compared with get the same rule), as the connections of a proxy or of many browsers would be spread."""
    if generator() == "python":
        return run_load(url, concurrency=concurrency, seconds=seconds, headers=headers)
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(requests_script + DONE_SCRIPT)
    command = ["wrk", "-t", "2", "-c", str(concurrency), "-d", f"{seconds:.0f}s", "-s", script.name, "--timeout", "10s"]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    try:
        for attempt in range(SPREAD_ATTEMPTS):
            arguments = ["--", *script_args] if script_args else []
            run = subprocess.Popen([*command, url, *arguments], stdout=subprocess.PIPE, text=True)
            if workers > 1 and attempt < SPREAD_ATTEMPTS - 1:
                time.sleep(0.2)
                held = connections_per_process(urlsplit(url).port)
                if held is not None and (len(held) < workers or min(held) < concurrency / workers / 2):
                    run.kill()
                    run.wait()
                    continue
            output = run.communicate()[0]
            break
    finally:
        os.unlink(script.name)
    line = next(line for line in output.splitlines() if line.startswith("WRK_JSON"))
    stats = json.loads(line.removeprefix("WRK_JSON"))
    return WrkResult(stats["requests"], stats["errors"], stats["seconds"], stats["p50"], stats["p95"], stats["p99"])


def connections_per_process(port: int | None) -> list[int] | None:
    """How many established connections to `port` each server process holds (`ss`), or None when `ss` cannot say."""
    if port is None or not shutil.which("ss"):
        return None
    listing = subprocess.run(
        ["ss", "-tnpH", "state", "established", f"( sport = :{port} )"], capture_output=True, text=True
    ).stdout
    return list(collections.Counter(re.findall(r"pid=(\d+)", listing)).values()) or None

"""The lab grader: end-to-end grade time of the reference solution, and the sandbox's per-process overhead.

Prints one summary line each:
- grader: median time of grade(tests/fixtures/clean_app, "audit") over BENCH_RUNS runs (default 5), all of
  intake, static checks, sandboxed build, run and probes included, with the phase timings of the median run;
- sandbox: start overhead per process, Box.run(["/bin/true"]) inside an open box against subprocess.run of the
  same command on the host, medians of 30.
Targets (DESIGN §9): grade under 5 s median; sandbox overhead under 15 ms per process.
Needs bubblewrap and `make wheelhouse`.
"""

import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
# The grader's own speed, from the offline wheelhouse; bench/index.py measures the package index proxy.
os.environ.setdefault("GRADER_INDEX_URL", "offline")

from labs.grading import grade  # noqa: E402
from labs.grading import observe as grading_observe  # noqa: E402
from labs.sandbox import Limits, SandboxUnavailable, get_backend  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "5"))
EXECS = 30
CLEAN_APP = REPO / "tests" / "fixtures" / "clean_app"


class TimingCapture(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if "timings" in record.getMessage():
            self.messages.append(record.getMessage().split(": ", 1)[1])


def bench_grade() -> None:
    capture = TimingCapture()
    logger = logging.getLogger(grading_observe.__name__)
    logger.addHandler(capture)
    logger.setLevel(logging.INFO)
    logger.propagate = False
    times, scores = [], []
    for _ in range(RUNS):
        started = time.perf_counter()
        card = grade(CLEAN_APP, "audit")
        times.append(time.perf_counter() - started)
        scores.append(card.score)
    median = statistics.median(times)
    phases = capture.messages[times.index(sorted(times)[len(times) // 2])] if capture.messages else "{}"
    print(
        f"grader: clean fixture graded end to end in {median:.2f} s median of {RUNS} "
        f"(min {min(times):.2f}, max {max(times):.2f}; scores {sorted(set(scores))}; target < 5 s; "
        f"sandbox phases {phases})"
    )


def bench_overhead() -> None:
    backend = get_backend()
    try:
        backend.check()
    except SandboxUnavailable as exc:
        print(f"sandbox: skipped ({exc})")
        return
    bare = []
    for _ in range(EXECS):
        started = time.perf_counter()
        subprocess.run(["/bin/true"], check=True)
        bare.append(time.perf_counter() - started)
    boxed = []
    with tempfile.TemporaryDirectory() as tmp:
        opened = time.perf_counter()
        with backend.open(Path(tmp), limits=Limits()) as box:
            open_time = time.perf_counter() - opened
            for _ in range(EXECS):
                started = time.perf_counter()
                done = box.run(["/bin/true"], timeout=10)
                boxed.append(time.perf_counter() - started)
                assert done.exit_code == 0, done
    bare_ms, boxed_ms = statistics.median(bare) * 1000, statistics.median(boxed) * 1000
    print(
        f"sandbox: start overhead {boxed_ms - bare_ms:.1f} ms per process over a bare exec "
        f"(box run {boxed_ms:.1f} ms vs exec {bare_ms:.1f} ms, medians of {EXECS}; box open {open_time * 1000:.0f} ms; "
        "target < 15 ms)"
    )


def main() -> None:
    bench_grade()
    bench_overhead()


if __name__ == "__main__":
    main()

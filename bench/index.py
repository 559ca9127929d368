"""The package index proxy: what a second grade of the same lock asks of the upstream index.

Starts the Procfile's `index` process on an empty cache, grades tests/fixtures/clean_app (its requirements.lock,
with hashes) through it twice, and prints one line: the upstream requests the proxy made during each grade (the
second must make none: DESIGN §9, "a second grade of the same lock downloads nothing"), and the second build's time
as a ratio of the first. Needs bubblewrap, `make wheelhouse` (for uv's binary) and the upstream index reachable.
"""

import os
import re
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)

from labs.grading import grade  # noqa: E402
from tests.index_proxy import IndexProxy  # noqa: E402

CLEAN_APP = REPO / "tests" / "fixtures" / "clean_app"


def build_seconds(card) -> tuple[str, float]:
    install = next(c for c in card.checks if c.id == "dependencies.isolated-install")
    found = re.search(r" in (\d+\.\d+) s\b", install.evidence)
    return install.status, float(found.group(1)) if found else 0.0


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-index-") as tmp:
        proxy = IndexProxy(Path(tmp))
        os.environ.update(proxy.env)
        try:
            counts, statuses, times = [], [], []
            for _ in range(2):
                before = len(proxy.upstream_requests())
                status, seconds = build_seconds(grade(CLEAN_APP, "audit"))
                counts.append(len(proxy.upstream_requests()) - before)
                statuses.append(status)
                times.append(seconds)
        finally:
            proxy.stop()
    ratio = times[1] / times[0] if times[0] else float("nan")
    print(
        f"index: upstream requests {counts[0]} on the first grade of clean_app's lock, {counts[1]} on the second "
        f"(target 0); second install {ratio:.2f} x the first's time; install checks {statuses}"
    )


if __name__ == "__main__":
    main()

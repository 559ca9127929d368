"""The index proxies: what a second grade of the same lock asks of the upstream index.

Starts the Procfile's `index` process on an empty cache and grades tests/fixtures/clean_app (its requirements.lock,
with hashes) through it twice; then the same with `npm-index` and a Node app locked by package-lock.json. Prints one
line each: the upstream requests the proxy made during each grade (the second must make none: DESIGN §9, "a second
grade of the same lock downloads nothing"), and the second install's time as a ratio of the first. Needs
bubblewrap, `make wheelhouse` (uv's binary), `make npm-index` and the upstream indexes reachable.
"""

import json
import os
import re
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)

from labs.grading import grade, index  # noqa: E402
from tests.index_proxy import IndexProxy  # noqa: E402

CLEAN_APP = REPO / "tests" / "fixtures" / "clean_app"


def build_seconds(card) -> tuple[str, float]:
    install = next(c for c in card.checks if c.id == "dependencies.isolated-install")
    found = re.search(r" in (\d+\.\d+) s\b", install.evidence)
    return install.status, float(found.group(1)) if found else 0.0


def twice(kind: index.Kind, source: Path, folder: Path) -> str:
    proxy = IndexProxy(folder, kind=kind)
    os.environ.update(proxy.env)
    try:
        counts, statuses, times = [], [], []
        for _ in range(2):
            before = len(proxy.upstream_requests())
            status, seconds = build_seconds(grade(source, "audit"))
            counts.append(len(proxy.upstream_requests()) - before)
            statuses.append(status)
            times.append(seconds)
    finally:
        proxy.stop()
    ratio = times[1] / times[0] if times[0] else float("nan")
    return (
        f"upstream requests {counts[0]} on the first grade, {counts[1]} on the second (target 0); "
        f"second install {ratio:.2f} x the first's time; install checks {statuses}"
    )


def node_app(folder: Path) -> Path:
    from tests.grading.test_npm_index import LOCK, PACKAGE, SERVER

    folder.mkdir()
    (folder / "server.js").write_text(SERVER)
    (folder / "package.json").write_text(json.dumps(PACKAGE))
    (folder / "package-lock.json").write_text(json.dumps(LOCK))
    (folder / "Procfile").write_text("web: node server.js\n")
    return folder


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-index-") as tmp:
        print(f"index (PyPI, clean_app's requirements.lock): {twice(index.PYPI, CLEAN_APP, Path(tmp) / 'pypi')}")
        app = node_app(Path(tmp) / "node")
        print(f"index (npm, a package-lock.json): {twice(index.NPM, app, Path(tmp) / 'npm')}")


if __name__ == "__main__":
    main()

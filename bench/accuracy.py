"""Grader accuracy on the corpus of real-world repository shapes (tests/fixtures/shapes/<name>/expected.yml).

Each shape's expected.yml holds the verdict an expert gave every audit check, and the score those verdicts make,
written down before grading. This grades every shape end to end (sandbox included) and prints how often each check
agreed, which checks disagreed on which shapes, and the mean |score − expected score| (DESIGN §9: at most 8).

Where each shape's packages come from (printed beside its score):
- a Python shape whose manifest the offline wheelhouse can install is built from it, as the test suite does;
- any other Python shape (a Pipfile, Poetry's metadata, a pin the wheelhouse lacks) through the Procfile's `index`
  proxy on a throwaway cache, when PyPI (GRADER_INDEX_URL) answers;
- a Node shape with dependencies through the `npm-index` proxy (verdaccio, `make npm-index`), when the npm registry
  (GRADER_NPM_URL) answers.
An upstream set to `offline` (as in the sandboxed test environment) is replaced by the public index; `--offline`
grades everything offline. A shape with no way to its upstream is graded offline, and says so.

    .venv/bin/python bench/accuracy.py [--offline]
"""

from __future__ import annotations

import contextlib
import os
import sys
import tempfile
import urllib.request
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SECRET_KEY", "bench-only-" + "x" * 40)

from labs.grading import GraderFault, grade, index  # noqa: E402
from labs.grading.checks import REGISTRY  # noqa: E402
from tests.index_proxy import IndexProxy, needed_index  # noqa: E402

SHAPES = ROOT / "tests" / "fixtures" / "shapes"
OFFLINE = {"GRADER_INDEX_URL": index.OFFLINE, "GRADER_NPM_URL": index.OFFLINE}


def reachable(url: str) -> bool:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, method="HEAD"), timeout=10) as reply:
            return reply.status < 500
    except OSError:
        return False


class Proxies:
    """The index proxies this run started, one per kind, each on a throwaway socket and cache."""

    def __init__(self, folder: Path, *, offline: bool) -> None:
        self.folder = folder
        self.offline = offline
        self.started: dict[str, object] = {}
        self.unavailable: dict[str, str] = {}

    def env(self, kind: index.Kind | None) -> tuple[dict[str, str], str]:
        """(environment for the grade, how its packages are found)."""
        if kind is None:
            return OFFLINE, "offline wheelhouse or no packages"
        if self.offline:
            return OFFLINE, f"offline (--offline; needs the {kind.name} index)"
        if kind.name not in self.started and kind.name not in self.unavailable:
            self._start(kind)
        if kind.name in self.unavailable:
            return OFFLINE, f"offline ({self.unavailable[kind.name]})"
        return {**OFFLINE, **self.started[kind.name].env}, f"{kind.name} proxy"

    def _start(self, kind: index.Kind) -> None:
        # The sandbox's own setting is usually `offline`; the bench then mirrors the public index.
        upstream = index.settings(kind=kind).upstream
        upstream = kind.default_upstream if upstream == index.OFFLINE else upstream
        if not reachable(upstream):
            self.unavailable[kind.name] = f"{upstream} does not answer"
            return
        try:
            self.started[kind.name] = IndexProxy(self.folder / kind.name, upstream=upstream, kind=kind)
        except RuntimeError as exc:
            self.unavailable[kind.name] = f"the {kind.process} proxy did not start: {str(exc)[-200:]}"

    def stop(self) -> None:
        for proxy in self.started.values():
            proxy.stop()


@contextlib.contextmanager
def environment(values: dict[str, str]):
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def main() -> int:
    agree: dict[str, int] = defaultdict(int)
    seen: dict[str, int] = defaultdict(int)
    disagreements: dict[str, list[str]] = defaultdict(list)
    gaps = []
    not_run = []
    with tempfile.TemporaryDirectory(prefix="bench-accuracy-") as tmp:
        proxies = Proxies(Path(tmp), offline="--offline" in sys.argv[1:])
        try:
            for shape in sorted(p for p in SHAPES.iterdir() if (p / "expected.yml").is_file()):
                expected = yaml.safe_load((shape / "expected.yml").read_text())
                env, mode = proxies.env(needed_index(shape))
                try:
                    with environment(env):
                        card = grade(shape, "audit")
                except GraderFault as fault:
                    print(f"{shape.name}: not graded ({fault})")
                    continue
                gaps.append(abs(card.score - expected["score"]))
                for check in card.checks:
                    want = expected["checks"].get(check.id)
                    seen[check.id] += 1
                    if check.status == want:
                        agree[check.id] += 1
                    else:
                        disagreements[check.id].append(f"{shape.name} ({check.status}, expected {want})")
                dynamic = [c for c in card.checks if REGISTRY[c.id].kind == "dynamic"]
                ran = any(c.status != "skip" for c in dynamic if c.id == "dependencies.isolated-install")
                if not ran:
                    not_run.append(shape.name)
                print(
                    f"{shape.name}: {card.score} (expected {expected['score']}); packages: {mode}; "
                    f"dynamic stage {'ran' if ran else 'did not run'}"
                )
        finally:
            proxies.stop()
    for check_id, where in sorted(disagreements.items()):
        print(f"  {check_id}: {agree[check_id]}/{seen[check_id]} agree; off on {', '.join(where)}")
    if not gaps:
        print("accuracy: no shape could be graded")
        return 1
    checks = sum(seen.values())
    off = sorted(c for c, w in disagreements.items() if len(w) > 2)
    print(f"dynamic stage did not run on: {', '.join(not_run) or 'none'}")
    print(
        f"accuracy: {len(gaps)} shapes, per-check agreement {sum(agree.values())}/{checks} "
        f"({100 * sum(agree.values()) / checks:.0f} %), mean |score - expected| {sum(gaps) / len(gaps):.1f} "
        f"(target <= 8), checks off on more than 2 shapes: {len(off)}" + (f" ({', '.join(off)})" if off else "")
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

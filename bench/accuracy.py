"""Grader accuracy on the corpus of real-world repository shapes (tests/fixtures/shapes/<name>/expected.yml).

Each shape's expected.yml holds the verdict an expert gave every audit check, and the score those verdicts make,
written down before grading. This grades every shape end to end (sandbox included) and prints how often each check
agreed, which checks disagreed on which shapes, and the mean |score − expected score| (DESIGN §9: at most 8).

    .venv/bin/python bench/accuracy.py
"""

from __future__ import annotations

import os
import sys
from collections import defaultdict
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("GRADER_INDEX_URL", "offline")
os.environ.setdefault("GRADER_NPM_URL", "offline")

from labs.grading import GraderFault, grade  # noqa: E402

SHAPES = ROOT / "tests" / "fixtures" / "shapes"


def main() -> int:
    agree: dict[str, int] = defaultdict(int)
    seen: dict[str, int] = defaultdict(int)
    disagreements: dict[str, list[str]] = defaultdict(list)
    gaps = []
    for shape in sorted(p for p in SHAPES.iterdir() if (p / "expected.yml").is_file()):
        expected = yaml.safe_load((shape / "expected.yml").read_text())
        try:
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
        print(f"{shape.name}: {card.score} (expected {expected['score']})")
    for check_id, where in sorted(disagreements.items()):
        print(f"  {check_id}: {agree[check_id]}/{seen[check_id]} agree; off on {', '.join(where)}")
    if not gaps:
        print("accuracy: no shape could be graded")
        return 1
    checks = sum(seen.values())
    print(
        f"accuracy: {len(gaps)} shapes, per-check agreement {sum(agree.values())}/{checks} "
        f"({100 * sum(agree.values()) / checks:.0f} %), mean |score - expected| {sum(gaps) / len(gaps):.1f} "
        f"(target <= 8), checks off on more than 2 shapes: {sum(len(w) > 2 for w in disagreements.values())}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Real-world repository shapes (tests/fixtures/shapes/<name>/): the grader gets right what an expert wrote down.

Each shape's expected.yml was written by hand before grading: the verdict per audit check, the score those
verdicts make, and the `must` verdicts the grader may never get wrong. The other verdicts measure accuracy
(bench/accuracy.py). Shapes whose packages the offline wheelhouse lacks (Node packages, a Pipfile, Poetry's
metadata) are graded through the index proxies on the real upstream; Go and Ruby shapes cannot run (no toolchain).
"""

from pathlib import Path

import pytest
import yaml

from labs.grading import grade
from labs.grading.checks import REGISTRY, StaticContext
from labs.grading.definitions import load_lab
from labs.grading.repo import Repo
from labs.grading.scorecard import CheckResult, Scorecard
from tests.index_proxy import needed_index

SHAPES = Path(__file__).resolve().parent.parent / "fixtures" / "shapes"
NAMES = sorted(p.name for p in SHAPES.iterdir() if (p / "expected.yml").is_file())
# Shapes the sandbox cannot run: what their dynamic checks say instead of the expert's verdict.
NOT_RUN = {"go_fly": "skip", "rails_bare": "skip"}


def expected(name: str) -> dict:
    return yaml.safe_load((SHAPES / name / "expected.yml").read_text())


@pytest.mark.parametrize("name", NAMES)
def test_expected_verdicts_are_complete_and_add_up(name):
    spec = expected(name)
    audit = load_lab("audit")
    assert set(spec["checks"]) == set(audit.checks)
    assert set(spec["must"]) <= set(spec["checks"])
    results = [
        CheckResult.scored(
            id=c,
            factor=REGISTRY[c].factor,
            status=s,
            weight=audit.checks[c],
            evidence="",
            hint="",
            gate=REGISTRY[c].gate,
            cap=REGISTRY[c].cap,
        )
        for c, s in spec["checks"].items()
    ]
    assert Scorecard.from_checks("audit", results, pass_mark=audit.pass_mark).score == spec["score"]


@pytest.mark.parametrize("name", NAMES)
def test_static_verdicts_an_expert_must_get(name):
    spec = expected(name)
    ctx = StaticContext(repo=Repo(SHAPES / name), lab=load_lab("audit"), contract=None)
    wrong = {}
    for check_id in spec["must"]:
        if REGISTRY[check_id].kind == "static":
            verdict = REGISTRY[check_id].func(ctx)
            if verdict.status != spec["checks"][check_id]:
                wrong[check_id] = (spec["checks"][check_id], verdict.status, verdict.evidence)
    assert wrong == {}


@pytest.mark.sandbox
@pytest.mark.parametrize("name", NAMES)
def test_graded_verdicts_an_expert_must_get(name, request):
    spec = expected(name)
    kind = needed_index(SHAPES / name)
    if kind is not None:
        request.getfixturevalue("through_npm" if kind.name == "npm" else "through_index")
    card = grade(SHAPES / name, "audit")
    by_id = {c.id: c for c in card.checks}
    wrong = {
        c: (spec["checks"][c], by_id[c].status, by_id[c].evidence)
        for c in spec["must"]
        if by_id[c].status != spec["checks"][c]
    }
    assert wrong == {}
    dynamic = [c for c in card.checks if REGISTRY[c.id].kind == "dynamic"]
    if name in NOT_RUN:
        assert {c.status for c in dynamic} == {NOT_RUN[name]}, [(c.id, c.status, c.evidence) for c in dynamic]
    else:  # the dynamic stage ran: the build was observed, whatever the service then did
        install = by_id["dependencies.isolated-install"]
        assert install.status != "skip", install.evidence

"""The guided labs: each reference solution scores 100; each starter fails exactly its targets.

A lab's starter (content/courses/twelve-factor/labs/<slug>/starter/) breaks the checks listed under `targets` in
its lab.yaml on purpose and passes everything else; the reference solution (tests/fixtures/labs/<slug>/, never
served to learners) passes them all. Each grade runs once per module and is shared by the tests that read it.
"""

import functools
import tempfile
from pathlib import Path

import pytest
import yaml

from courses.content.frontmatter import parse_lesson
from courses.markdown import render_lesson
from labs.grading import grade
from labs.grading.checks import REGISTRY
from labs.grading.definitions import LABS_DIR, load_lab
from twelve_factor.factors import BY_NUMBER

REPO_ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS = REPO_ROOT / "tests" / "fixtures" / "labs"
LESSONS_DIR = LABS_DIR.parent / "lessons"
GUIDED = (
    "config-in-the-environment",
    "dependencies-declared",
    "port-binding-and-logs",
    "disposable-processes",
    "stateless-processes",
    "build-release-run",
)
NOT_FAILING = ("pass", "skip")


def spec(slug: str) -> dict:
    return yaml.safe_load((LABS_DIR / slug / "lab.yaml").read_text())


@functools.cache
def lesson_anchors() -> dict[str, set[str]]:
    anchors = {}
    for path in LESSONS_DIR.glob("*.md"):
        source = parse_lesson(path, [])
        anchors[source.meta["slug"]] = render_lesson(source.body, title=source.meta["title"]).anchors
    return anchors


@functools.cache
def graded(slug: str, which: str):
    """The scorecard of the starter or the solution, on the lab itself or on every audit check ("full")."""
    if which == "solution":
        return grade(SOLUTIONS / slug, slug)
    starter = LABS_DIR / slug / "starter"
    if which == "starter":
        return grade(starter, slug)
    # Every check the grader has, with this lab's contract and limits: shows the starter breaks nothing else.
    audit = spec("audit")
    lab = spec(slug)
    full = {**audit, "submission_contract": False, "contract": lab.get("contract"), "limits": lab.get("limits", {})}
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "full").mkdir()
        (Path(tmp) / "full" / "lab.yaml").write_text(yaml.safe_dump(full))
        return grade(starter, "full", labs_dir=Path(tmp))


def statuses(card) -> dict[str, tuple[str, str]]:
    return {c.id: (c.status, c.evidence) for c in card.checks}


# --- static: the labs as a set ----------------------------------------------------------------------------------


def test_targets_of_the_six_labs_cover_all_twelve_factors():
    covered = {REGISTRY[t].factor for slug in GUIDED for t in spec(slug)["targets"]}
    assert covered == set(range(1, 13))


@pytest.mark.parametrize("slug", GUIDED)
def test_lab_loads_and_its_factors_are_its_targets(slug):
    lab = load_lab(slug)
    targets = spec(slug)["targets"]
    assert set(targets) <= set(lab.checks)
    assert set(lab.factors) == {REGISTRY[t].factor for t in targets}
    assert (LABS_DIR / slug / "starter" / "Procfile").is_file()
    assert (SOLUTIONS / slug / "Procfile").is_file()


def test_capstone_grades_every_audit_check_for_the_full_score():
    capstone, audit = load_lab("capstone"), load_lab("audit")
    assert capstone.checks.keys() == audit.checks.keys() == REGISTRY.keys()
    assert capstone.pass_mark == 100
    assert capstone.submission_contract
    assert not (LABS_DIR / "capstone" / "starter").exists()


# --- sandboxed: the journey from starter to solution --------------------------------------------------------------


@pytest.mark.sandbox
@pytest.mark.parametrize("slug", GUIDED)
def test_solution_scores_100(slug):
    card = graded(slug, "solution")
    not_passing = {k: v for k, v in statuses(card).items() if v[0] != "pass"}
    assert not_passing == {}
    assert card.score == 100
    assert card.passed
    assert card.error is None


@pytest.mark.sandbox
@pytest.mark.parametrize("slug", GUIDED)
def test_starter_fails_every_target_and_keeps_the_rest(slug):
    card = graded(slug, "starter")
    targets = set(spec(slug)["targets"])
    found = statuses(card)
    assert {k: v for k, v in found.items() if k in targets and v[0] not in ("fail", "warn")} == {}
    assert {k: v for k, v in found.items() if k not in targets and v[0] not in NOT_FAILING} == {}
    assert card.error is None  # the starter runs as it is: nothing is blocked
    assert not card.passed
    assert card.score < load_lab(slug).pass_mark


@pytest.mark.sandbox
@pytest.mark.parametrize("slug", GUIDED)
def test_starter_hints_point_at_the_lesson_section(slug):
    card = graded(slug, "starter")
    targets = set(spec(slug)["targets"])
    for result in card.checks:
        if result.id not in targets:
            continue
        lesson = BY_NUMBER[result.factor].slug
        prefix = f"/courses/twelve-factor/{lesson}/#"
        assert prefix in result.hint, (result.id, result.hint)
        anchor = result.hint.split(prefix, 1)[1].split()[0].rstrip(".")
        assert anchor in lesson_anchors()[lesson], (result.id, anchor)
        assert result.evidence, result.id


@pytest.mark.sandbox
@pytest.mark.parametrize("slug", GUIDED)
def test_starter_breaks_no_check_outside_its_targets(slug):
    card = graded(slug, "full")
    targets = set(spec(slug)["targets"])
    not_passing = {k for k, (status, _) in statuses(card).items() if status not in NOT_FAILING}
    assert not_passing == targets, {k: v for k, v in statuses(card).items() if k in not_passing ^ targets}

"""grade() without a sandbox: lab selection, progress callback, refusals, static-only grades, and our own faults."""

import dataclasses

import pytest

from labs.grading import Fault, GraderFault, SubmissionRefused, grade
from tests.archives import zip_file


@pytest.fixture
def static_lab(tmp_path):
    labs = tmp_path / "labs"
    (labs / "static-only").mkdir(parents=True)
    (labs / "static-only" / "lab.yaml").write_text(
        "title: Static only\npass_mark: 50\nchecks:\n"
        "  port-binding.reads-port: 10\n  config.no-committed-secrets: 20\n  concurrency.process-types: 10\n"
    )
    return labs


def test_grade_runs_only_the_labs_checks_in_factor_order(clean_app, static_lab):
    seen = []
    card = grade(clean_app, "static-only", labs_dir=static_lab, on_check=seen.append)
    assert [c.id for c in card.checks] == [
        "config.no-committed-secrets",
        "port-binding.reads-port",
        "concurrency.process-types",
    ]
    assert sorted(c.id for c in seen) == sorted(c.id for c in card.checks)
    assert card.score == 100 and card.passed
    assert next(c for c in card.checks if c.id == "config.no-committed-secrets").max_points == 20


def test_weights_shape_the_score(make_repo, static_lab):
    root = make_repo({"Procfile": "web: gunicorn -b 0.0.0.0:8000 app:app\n"})
    card = grade(root, "static-only", labs_dir=static_lab)
    assert card.score == 75  # 30 of 40: reads-port (10) fails
    assert card.passed


def test_refused_submission_raises(tmp_path, static_lab):
    archive = zip_file(tmp_path / "slip.zip", {"../outside.txt": "x"})
    with pytest.raises(SubmissionRefused):
        grade(archive, "static-only", labs_dir=static_lab)


def test_without_a_sandbox_the_grade_is_our_fault_not_a_score(clean_app, monkeypatch):
    monkeypatch.setenv("SANDBOX_BACKEND", "no-such-backend")
    with pytest.raises(GraderFault, match="sandbox unavailable") as raised:
        grade(clean_app, "audit")
    assert raised.value.kind == Fault.SANDBOX


def test_static_only_needs_no_sandbox_and_skips_the_dynamic_checks(clean_app, monkeypatch):
    monkeypatch.setenv("SANDBOX_BACKEND", "no-such-backend")
    card = grade(clean_app, "audit", static_only=True)
    dynamic = [c for c in card.checks if c.id.endswith(("answers-http", "graceful-shutdown", "isolated-install"))]
    assert dynamic and all(c.status == "skip" and "static checks only" in c.evidence for c in dynamic)
    assert next(c for c in card.checks if c.id == "config.no-committed-secrets").status == "pass"
    assert card.score == 100


def test_without_a_wheelhouse_the_grade_is_our_fault(clean_app, monkeypatch, tmp_path):
    monkeypatch.setenv("GRADER_WHEELHOUSE", str(tmp_path / "missing"))
    with pytest.raises(GraderFault, match="make wheelhouse") as raised:
        grade(clean_app, "audit")
    assert raised.value.kind == Fault.PACKAGE_INDEX


def test_a_crashing_check_is_our_fault_not_a_hole_in_the_scorecard(make_repo, static_lab, monkeypatch):
    from labs.grading.checks import REGISTRY

    spec = REGISTRY["port-binding.reads-port"]

    def crash(ctx):
        raise KeyError("bug")

    monkeypatch.setitem(REGISTRY, spec.id, dataclasses.replace(spec, func=crash))
    root = make_repo({"Procfile": "web: gunicorn app:app\n"})
    with pytest.raises(GraderFault, match="port-binding.reads-port crashed") as raised:
        grade(root, "static-only", labs_dir=static_lab)
    assert raised.value.kind == Fault.CHECK

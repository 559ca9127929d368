"""grade() without a sandbox: lab selection, progress callback, refusals, and a sandbox that is not there."""

import zipfile

import pytest

from labs.grading import SubmissionRefused, grade


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
    archive = tmp_path / "slip.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../outside.txt", "x")
    with pytest.raises(SubmissionRefused):
        grade(archive, "static-only", labs_dir=static_lab)


def test_without_a_sandbox_dynamic_checks_error_and_static_ones_run(clean_app, monkeypatch):
    monkeypatch.setenv("SANDBOX_BACKEND", "no-such-backend")
    card = grade(clean_app, "audit")
    dynamic = [c for c in card.checks if c.id.endswith(("answers-http", "graceful-shutdown", "isolated-install"))]
    assert dynamic and all(c.status == "error" and "sandbox unavailable" in c.evidence for c in dynamic)
    assert next(c for c in card.checks if c.id == "config.no-committed-secrets").status == "pass"
    assert not card.passed
    assert "could not run" in card.error


def test_without_a_wheelhouse_dynamic_checks_error(clean_app, monkeypatch, tmp_path):
    monkeypatch.setenv("GRADER_WHEELHOUSE", str(tmp_path / "missing"))
    card = grade(clean_app, "audit")
    install = next(c for c in card.checks if c.id == "dependencies.isolated-install")
    assert install.status == "error" and "make wheelhouse" in install.evidence
    assert not card.passed

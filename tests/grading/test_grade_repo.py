"""The grade_repo management command: exit codes, --json purity, the readable scorecard."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from labs.grading.scorecard import CheckResult, Scorecard
from labs.management.commands.grade_repo import render
from tests.archives import zip_file

REPO_ROOT = Path(__file__).resolve().parents[2]


def grade_repo(*args: str, **extra_env: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **extra_env}
    env.setdefault("SECRET_KEY", "grade-repo-test-" + "x" * 40)
    return subprocess.run(
        [sys.executable, "manage.py", "grade_repo", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.sandbox
def test_json_is_the_only_thing_on_stdout(clean_app):
    done = grade_repo(str(clean_app), "--lab", "audit", "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    data = json.loads(done.stdout)  # fails if anything else is on stdout
    assert done.stdout.strip().count("\n") == 0
    assert data["lab"] == "audit"
    assert data["score"] == 100
    assert data["passed"] is True
    assert len(data["checks"]) >= 24


def test_refused_submission_exits_3_with_a_reason(tmp_path):
    archive = zip_file(tmp_path / "slip.zip", {"../../evil.py": "print('hi')\n"})
    done = grade_repo(str(archive), "--json")
    assert done.returncode == 3, done.stderr[-2000:]
    data = json.loads(done.stdout)
    assert data["score"] == 0 and data["passed"] is False and data["checks"] == []
    assert data["error"]


def test_a_broken_sandbox_exits_4_and_says_it_is_the_graders_fault(clean_app):
    done = grade_repo(str(clean_app), "--lab", "audit", "--json", SANDBOX_BACKEND="no-such-backend")
    assert done.returncode == 4, done.stderr[-2000:]
    data = json.loads(done.stdout)
    assert data["checks"] == [] and data["passed"] is False
    assert data["error"].startswith("the grader failed (sandbox), not your repository")
    readable = grade_repo(str(clean_app), SANDBOX_BACKEND="no-such-backend")
    assert readable.returncode == 4
    assert "Not graded. Grader fault: the grader failed (sandbox)" in readable.stdout
    assert "Score:" not in readable.stdout


def test_static_only_grades_without_a_sandbox(clean_app):
    done = grade_repo(str(clean_app), "--static-only", "--json", SANDBOX_BACKEND="no-such-backend")
    assert done.returncode == 0, done.stderr[-2000:]
    data = json.loads(done.stdout)
    dynamic = [c for c in data["checks"] if c["id"] == "port-binding.answers-http"]
    assert dynamic[0]["status"] == "skip" and data["score"] == 100


def test_unknown_lab_is_a_usage_error(clean_app):
    done = grade_repo(str(clean_app), "--lab", "no-such-lab", "--json")
    assert done.returncode == 2
    assert done.stdout == ""
    assert "no lab named" in done.stderr


def test_missing_source_is_a_usage_error(tmp_path):
    done = grade_repo(str(tmp_path / "nothing-here"))
    assert done.returncode == 2


def test_text_scorecard_is_grouped_by_factor():
    checks = [
        CheckResult.scored(id="config.a", factor=3, status="pass", weight=10, evidence="fine", hint="h3"),
        CheckResult.scored(id="logs.b", factor=11, status="fail", weight=10, evidence="app.log", hint="see /x"),
    ]
    text = render(Scorecard.from_checks("audit", checks, pass_mark=80))
    assert text.index("III. Config") < text.index("config.a") < text.index("XI. Logs") < text.index("logs.b")
    assert "hint: see /x" in text
    assert "Score: 50/100 — NOT PASSED" in text

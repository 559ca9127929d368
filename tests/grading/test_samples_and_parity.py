"""Sample folders set aside by .twelve-factor.yml (audit only), SIGTERM set to be ignored, and CI parity evidence."""

from pathlib import Path

import pytest

from labs.grading import SubmissionRefused, grade
from labs.grading.definitions import submission_samples
from labs.grading.repo import Repo

REPO_ROOT = Path(__file__).resolve().parents[2]
LABS_DIR = REPO_ROOT / "content" / "courses" / "twelve-factor" / "labs"
# A sample app that breaks factor III on purpose (a fake password, not a secret).
SAMPLE_CODE = 'PASSWORD = "hunter2-hunter2"\nDB = "postgres://u:p@db.internal/x"\n'  # pragma: allowlist secret
BROKEN_SAMPLE = {"examples/broken/app.py": SAMPLE_CODE}


def test_samples_are_set_aside_from_the_file_list(make_repo):
    root = make_repo({"app.py": "x = 1\n", **BROKEN_SAMPLE})

    assert Repo(root, samples=("examples/broken",)).files == ["app.py"]
    assert "examples/broken/app.py" in Repo(root).files


@pytest.mark.parametrize("bad", ["/etc", "../outside", "examples/*", ".", "a//b"])
def test_samples_must_be_folders_inside_the_repository(bad):
    folders, problem = submission_samples(f"samples:\n  - '{bad}'\n")

    assert folders == ()
    assert problem and "not a folder inside the repository" in problem


def test_audit_names_what_it_set_aside(make_repo, monkeypatch):
    root = make_repo({"app.py": "x = 1\n", ".twelve-factor.yml": "samples: [examples/broken]\n", **BROKEN_SAMPLE})
    card = grade(root, "audit", labs_dir=LABS_DIR, static_only=True)

    checks = {c.id: c for c in card.checks}
    assert checks["config.no-hardcoded-credentials"].status == "pass"
    assert "not deployed, so not read: examples/broken" in checks["codebase.self-contained"].evidence


def test_guided_labs_ignore_samples(make_repo, monkeypatch):
    root = make_repo({"app.py": "x = 1\n", ".twelve-factor.yml": "samples: [examples/broken]\n", **BROKEN_SAMPLE})
    card = grade(root, "capstone", labs_dir=LABS_DIR, static_only=True)

    assert {c.id: c for c in card.checks}["config.no-hardcoded-credentials"].status == "fail"


def test_an_invalid_samples_list_is_refused(make_repo):
    root = make_repo({"app.py": "x = 1\n", ".twelve-factor.yml": "samples: ['../..']\n"})

    with pytest.raises(SubmissionRefused, match="samples"):
        grade(root, "audit", labs_dir=LABS_DIR)


def test_ignoring_sigterm_is_not_handling_it(make_repo, run_static):
    root = make_repo(
        {
            "Procfile": "web: python serve.py\n",
            "serve.py": "import signal\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n",
        }
    )

    verdict = run_static(root, "disposability.handles-sigterm")

    assert verdict.status == "fail" and "serve.py:2 sets SIGTERM to SIG_IGN" in verdict.evidence


def test_sqlite_default_passes_when_ci_runs_the_server_engine(make_repo, run_static):
    settings = 'import os\nDATABASE_URL = os.environ.get("DATABASE_URL", "sqlite:///db.sqlite3")\n'
    files = {"app/settings.py": settings, "requirements.txt": "psycopg==3.3.9\n"}
    gap = make_repo(files)
    tested = make_repo({**files, ".github/workflows/ci.yml": "env:\n  DATABASE_URL: postgres://ci@localhost/ci\n"})

    assert run_static(gap, "dev-prod-parity.same-backing-services").status == "warn"
    verdict = run_static(tested, "dev-prod-parity.same-backing-services")
    assert verdict.status == "pass" and ".github/workflows/ci.yml:2" in verdict.evidence


@pytest.mark.sandbox
def test_a_wrapper_that_never_passes_sigterm_on_fails_graceful_shutdown(clean_app):
    procfile = clean_app / "Procfile"
    text = procfile.read_text()
    web_line = next(line for line in text.splitlines() if line.startswith("web:"))
    (clean_app / "bin").mkdir()
    # No `exec`: sh stays the web process and the server runs as its child.
    (clean_app / "bin" / "web").write_text("#!/bin/sh\n" + web_line.removeprefix("web:").strip() + "\n")
    procfile.write_text(text.replace(web_line, "web: sh bin/web"))

    checks = {c.id: c for c in grade(clean_app, "audit", labs_dir=LABS_DIR).checks}

    shutdown = checks["disposability.graceful-shutdown"]
    assert shutdown.status == "fail", shutdown.evidence
    assert "still served afterwards" in shutdown.evidence

"""The site grades itself: `python manage.py grade_repo . --lab audit --json` scores 100."""

import json

import pytest

from tests.grading.test_grade_repo import REPO_ROOT, grade_repo


@pytest.mark.sandbox
def test_site_scores_100_on_audit():
    done = grade_repo(str(REPO_ROOT), "--lab", "audit", "--json")
    assert done.returncode == 0, done.stderr[-2000:]
    card = json.loads(done.stdout)
    not_passing = {
        c["id"]: f"{c['status']}: {c['evidence']}" for c in card["checks"] if c["status"] not in ("pass", "skip")
    }
    assert not_passing == {}
    assert card["score"] == 100
    assert card["passed"] is True

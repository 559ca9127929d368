"""Backing services failing under real processes: gunicorn and a Celery worker from the Procfile, a few learners
reading and submitting labs, on a PostgreSQL cluster and a Redis server of the test's own that it restarts and empties.

Each test asserts that the learners see a clean answer during the fault, that nothing is lost, and that the site
answers again by itself, without restarting the web or worker process.
"""

import json
import time
import urllib.error

import pytest

from tests.archives import zip_folder
from tests.labs.test_grading_flow import scorecards, slow_release_fixture
from tests.stack import Learner

pytestmark = [pytest.mark.faults, pytest.mark.process, pytest.mark.sandbox, pytest.mark.django_db(transaction=True)]

LESSON = "/courses/twelve-factor/"
FINISHED = ("passed", "failed", "error")
QUIZ = "codebase"


def answers_saved(stack, learner: Learner) -> int:
    return stack.query(
        "from quizzes.models import Answer\n"
        f"result = Answer.objects.filter(attempt__user__username={learner.username!r}).count()"
    )


def fetch(learner: Learner, path: str) -> tuple[int, dict[str, str], str]:
    """Status, headers and body of a GET, whatever the status."""
    try:
        response = learner.opener.open(learner.base + path, timeout=60)
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()
    return response.status, dict(response.headers), response.read().decode()


def wait_until_answering(learner: Learner, path: str, timeout: float = 30) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, _, _ = fetch(learner, path)
        if status == 200:
            return status
        time.sleep(0.5)
    return status


def test_postgres_restarted_mid_request_and_mid_grade(site_stack, own_postgres, own_redis, tmp_path):
    stack = site_stack(
        DATABASE_URL=own_postgres.url,
        CELERY_BROKER_URL=own_redis.url(0),
        CELERY_RESULT_BACKEND=own_redis.url(1),
        CACHE_URL=own_redis.url(2),
        LAB_LEASE_SECONDS="12",
    )
    web = stack.start("web")
    worker = stack.start("worker")
    learners = [Learner(stack) for _ in range(3)]
    graded = learners[1].submit("audit", zip_folder())
    assert learners[1].wait_for(graded, FINISHED) == ("passed", 100)
    grading = learners[0].submit("audit", slow_release_fixture(tmp_path))
    learners[0].wait_for(grading, ("running",), interval=0.05)

    own_postgres.stop()  # every connection of web and worker dropped, mid-grade
    try:
        status, headers, body = fetch(learners[2], LESSON)
        ready_status, _, ready_body = fetch(learners[2], "/readyz")
    finally:
        own_postgres.start()

    # What a learner saw during the outage: a plain page with a retry hint, never a traceback.
    assert status == 503
    assert headers["Retry-After"] == "30"
    assert "Briefly unavailable" in body and "Traceback" not in body
    assert ready_status == 503
    assert json.loads(ready_body)["failed"] == ["database"]

    # Back by itself: the same web and worker processes, new connections.
    assert wait_until_answering(learners[2], LESSON) == 200
    assert fetch(learners[2], "/readyz")[0] == 200
    for learner in learners:
        assert learner.username in learner.get("/accounts/profile/")  # still signed in: sessions kept
    answered = learners[2].answer_quiz(QUIZ)  # answers are saved again, on new connections
    assert answers_saved(stack, learners[2]) == answered > 0
    # The interrupted grade is finished once: by the worker if its write came after the restart, else re-sent by
    # the reaper when its lease runs out.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and learners[0].status(grading)[0] not in FINISHED:
        time.sleep(2)
        stack.manage("reap_submissions")
    assert learners[0].status(grading) == ("passed", 100)
    assert web.popen.poll() is None and worker.popen.poll() is None
    time.sleep(2)
    rows = scorecards(stack)
    assert [row[0] for row in rows] == ["passed", "passed"]
    assert all(has_scorecard for _, _, has_scorecard in rows)
    assert stack.query("from labs.models import Scorecard\nresult = Scorecard.objects.count()") == 2


def test_redis_restarted_and_emptied(site_stack, own_redis):
    stack = site_stack(
        CELERY_BROKER_URL=own_redis.url(0),
        CELERY_RESULT_BACKEND=own_redis.url(1),
        CACHE_URL=own_redis.url(2),
        LAB_RESEND_AFTER_SECONDS="1",
    )
    stack.start("web")
    worker = stack.start("worker")
    learners = [Learner(stack) for _ in range(2)]
    first = learners[0].submit("audit", zip_folder())
    assert learners[0].wait_for(first, FINISHED) == ("passed", 100)
    answered_before = learners[0].answer_quiz(QUIZ)
    assert answered_before > 0

    own_redis.stop()
    # With the broker, the result store and the cache all gone, the site still answers and takes work.
    during = learners[1].submit("audit", zip_folder())
    assert learners[1].status(during) == ("queued", None)
    assert fetch(learners[0], LESSON)[0] == 200
    newcomer = Learner(stack)  # sign-up is rate-limited in the cache: the limiter lets it through, logged
    assert newcomer.username in newcomer.get("/accounts/profile/")
    answered_during = newcomer.answer_quiz(QUIZ)  # the answer rate limit counts in the cache: it lets answers in
    assert answered_during > 0
    assert fetch(learners[0], "/readyz")[0] == 503

    own_redis.start()  # a new, empty server: queued messages, results and rate-limit counters are gone
    assert own_redis.cli("dbsize").strip() == "0"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and learners[1].status(during)[0] not in FINISHED:
        time.sleep(2)
        stack.manage("reap_submissions")  # re-sends what is still queued in the database
    assert learners[1].status(during) == ("passed", 100)
    assert worker.popen.poll() is None  # the same worker reconnected to the broker

    own_redis.cli("flushall")
    for learner in (*learners, newcomer):
        assert learner.username in learner.get("/accounts/profile/")  # sessions live in the database
    answered_after = learners[1].answer_quiz(QUIZ)
    # Every answer posted before, during and after the outage is saved, none twice.
    assert answers_saved(stack, learners[0]) == answered_before
    assert answers_saved(stack, newcomer) == answered_during
    assert answers_saved(stack, learners[1]) == answered_after > 0
    assert fetch(learners[0], "/readyz")[0] == 200
    assert [row[0] for row in scorecards(stack)] == ["passed", "passed"]

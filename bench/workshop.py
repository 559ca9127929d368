"""A workshop under load: 300 learners arriving open-loop, each reading a lesson, answering a question every few
seconds and polling the syllabus as its page does (hx-trigger every 5 s); the instructor's dashboard open (its grid
polled every 3 s); and 60 lab submissions in the same minute, graded by real workers. Real processes from the
Procfile (web, two workers) on PostgreSQL and Redis.

    DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/NAME CELERY_BROKER_URL=redis://HOST:6379/N python bench/workshop.py

A throwaway database is created beside DATABASE_URL's and dropped afterwards; BENCH_REDIS_DB (default 13) is the
Redis database for the broker, results and cache, flushed before and after. Prints p50/p95/p99 per request kind,
measured from the moment each request was due (an open-loop schedule: a slow server makes requests queue, and the
queueing counts), errors (target 0), answers saved vs sent and submissions graded vs sent (targets: equal).
"""

import http.client
import json
import os
import random
import signal
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
os.environ.setdefault("SECRET_KEY", "bench-" + "k" * 50)
os.environ.setdefault("GRADER_INDEX_URL", "offline")

import tests.stack as stack_module  # noqa: E402
from tests.archives import zip_folder  # noqa: E402
from tests.stack import Learner, Stack  # noqa: E402

LEARNERS = int(os.environ.get("BENCH_LEARNERS", "300"))
SUBMISSIONS = int(os.environ.get("BENCH_SUBMISSIONS", "60"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "60"))
ARRIVAL_SECONDS = 20.0  # learners arrive over the first third of the minute, not all at once
ANSWER_EVERY, POLL_EVERY, DASHBOARD_EVERY = 5.0, 5.0, 3.0
IDLE_RECONNECT_SECONDS = 1.0
CLIENT_THREADS = int(os.environ.get("BENCH_CLIENT_THREADS", "64"))
CSRF = "b" * 32  # Django accepts a token equal to the csrftoken cookie, as htmx sends it in X-CSRFToken
FINISHED = ("passed", "failed", "error")
LESSON, SYLLABUS = "/courses/twelve-factor/disposability/", "/courses/twelve-factor/"

SETUP = """
import datetime
from django.contrib.auth.models import Permission, User
from django.test import Client
from courses.models import Course
from quizzes.models import Quiz
from quizzes.services import attempt_start
from tests.quizzes.conftest import answer_data
from workshops.models import Membership
from workshops.services import cohort_create
import urllib.parse

def session_of(user):
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value

course = Course.objects.get(slug="twelve-factor")
quiz = Quiz.objects.get(course=course, slug="final")
instructor = User.objects.create_user("ws-instructor")
instructor.user_permissions.add(Permission.objects.get(codename="lead_cohort"))
today = datetime.date.today()
cohort = cohort_create(instructor=instructor, course=course, name="Bench room", starts_on=today,
                       ends_on=today + datetime.timedelta(days=1), seat_cap=LEARNERS + 10)
learners = []
for n in range(LEARNERS):
    user = User.objects.create_user(f"ws-learner-{n}")
    Membership.objects.create(cohort=cohort, user=user)
    attempt = attempt_start(user=user, quiz=quiz)
    prefix = f"/courses/twelve-factor/quizzes/final/attempts/{attempt.number}/questions/"
    answers = [(f"{prefix}{item.position}/", urllib.parse.urlencode(answer_data(attempt, item), doseq=True))
               for item in attempt.items.select_related("version").order_by("position")]
    learners.append({"session": session_of(user), "answers": answers})
result = {"dashboard": f"/workshops/c/{cohort.public_id}/", "instructor": session_of(instructor), "learners": learners}
"""


@dataclass(order=True)
class Event:
    due: float
    kind: str
    method: str
    path: str
    session: str
    body: str | None = None
    # The element the page swaps with the reply, sent as HX-Target as htmx does: the page renders less for it.
    target: str = ""


def schedule(setup: dict, start: float) -> list[Event]:
    """Every request of the run, at the time it is due, fixed in advance (open loop)."""
    rng = random.Random(12)
    events = []
    for learner in setup["learners"]:
        arrives = start + rng.uniform(0, ARRIVAL_SECONDS)
        session = learner["session"]
        events.append(Event(arrives, "lesson", "GET", LESSON, session))
        at, answers = arrives + rng.uniform(1, ANSWER_EVERY), iter(learner["answers"])
        while at < start + SECONDS and (answer := next(answers, None)):
            # The final bank saves each question on change and swaps its status line (as bench/quiz.py reads it).
            position = answer[0].rstrip("/").rsplit("/", 1)[1]
            events.append(Event(at, "answer", "POST", answer[0], session, answer[1], f"question-{position}-status"))
            at += rng.uniform(0.6, 1.4) * ANSWER_EVERY
        at = arrives + rng.uniform(0, POLL_EVERY)
        while at < start + SECONDS:
            events.append(Event(at, "syllabus poll", "GET", SYLLABUS, session, target="syllabus-items"))
            at += POLL_EVERY
    at = start
    while at < start + SECONDS:
        events.append(Event(at, "dashboard poll", "GET", setup["dashboard"], setup["instructor"], target="grid"))
        at += DASHBOARD_EVERY
    return sorted(events)


def drive(port: int, events: list[Event]) -> dict[str, dict]:
    """Send every event at its time from a pool of keep-alive connections; latency counts from when it was due."""
    results: dict[str, dict] = {}
    lock = threading.Lock()
    queue = iter(events)

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        last_used = time.monotonic()
        while True:
            with lock:
                event = next(queue, None)
            if event is None:
                break
            time.sleep(max(0.0, event.due - time.monotonic()))
            if time.monotonic() - last_used > IDLE_RECONNECT_SECONDS:
                # gunicorn closes a keep-alive connection idle for 2 s: a request sent on it as it closes would be
                # lost in the race and counted as the server's error, so start a fresh one instead.
                connection.close()
            headers = {"Cookie": f"sessionid={event.session}; csrftoken={CSRF}"}
            if event.target:  # sent by htmx; the lesson is a plain page load
                headers |= {"HX-Request": "true", "HX-Target": event.target}
            if event.method == "POST":
                headers |= {"Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": CSRF}
            try:
                connection.request(event.method, event.path, body=event.body, headers=headers)
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                status = 0
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            last_used = time.monotonic()
            elapsed = (last_used - event.due) * 1000
            with lock:
                kind = results.setdefault(event.kind, {"latencies": [], "errors": 0, "statuses": {}})
                kind["statuses"][status] = kind["statuses"].get(status, 0) + 1
                if status == 200:
                    kind["latencies"].append(elapsed)
                else:
                    kind["errors"] += 1
        connection.close()

    threads = [threading.Thread(target=worker) for _ in range(CLIENT_THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))] if ordered else float("nan")


def main() -> None:
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        print("workshop: skipped, it measures on PostgreSQL: set DATABASE_URL=postgres://... (and CELERY_BROKER_URL)")
        return
    if not os.environ.get("CELERY_BROKER_URL", "").startswith("redis://"):
        print("workshop: skipped, it needs Redis: set CELERY_BROKER_URL=redis://HOST:6379/N")
        return
    # The stack helper's Redis database is shared by the test suite's stacks; the bench keeps to its own.
    stack_module.REDIS_STACK_DB = int(os.environ.get("BENCH_REDIS_DB", "13"))
    cores = os.cpu_count() or 1
    archive = zip_folder()
    with tempfile.TemporaryDirectory(prefix="bench-workshop-") as tmp:
        stack = Stack(Path(tmp), LOG_LEVEL="WARNING", QUIZ_ANSWERS_PER_MINUTE="60")
        try:
            stack.release()
            stack.start("web", WEB_CONCURRENCY=str(cores))
            stack.start("worker")
            stack.start("worker")
            setup = stack.query(f"LEARNERS = {LEARNERS}\n" + SETUP)
            submitters = [Learner(stack) for _ in range(6)]
            submitted: list[tuple[Learner, str]] = []
            submit_errors = []
            start = time.monotonic() + 1
            events = schedule(setup, start)

            def submit(index: int) -> None:
                time.sleep(max(0.0, start + index * SECONDS / SUBMISSIONS - time.monotonic()))
                owner = submitters[index % len(submitters)]
                try:
                    submitted.append((owner, owner.submit("audit", archive)))
                except (OSError, AttributeError) as error:  # AttributeError: the lab page had no form
                    submit_errors.append(repr(error))

            submit_threads = [threading.Thread(target=submit, args=(i,)) for i in range(SUBMISSIONS)]
            for thread in submit_threads:
                thread.start()
            results = drive(stack.port, events)
            for thread in submit_threads:
                thread.join()

            pending = dict(submitted)
            graded = {}
            deadline = time.monotonic() + 1800
            while pending and time.monotonic() < deadline:
                for owner, path in list(submitted):
                    if path in graded:
                        continue
                    status, _ = owner.status(path)
                    if status in FINISHED:
                        graded[path] = status
                time.sleep(1)
                pending = {owner: path for owner, path in submitted if path not in graded}
            # An `error` is our fault, not the learner's (the sandbox, a limit): say which, not just how many.
            error_messages = stack.query(
                "from labs.models import Submission\n"
                "errors = Submission.objects.filter(status='error')\n"
                "result = sorted(set(errors.values_list('error_message', flat=True)))"
            )
            answers_saved = stack.query(
                "from quizzes.models import Answer\n"
                "result = Answer.objects.filter(attempt__user__username__startswith='ws-learner-').count()"
            )
        finally:
            stack.stop()

    sent = sum(1 for event in events if event.kind == "answer")
    answered_ok = results.get("answer", {}).get("statuses", {}).get(200, 0)
    errors = sum(kind["errors"] for kind in results.values()) + len(submit_errors)
    print(
        f"workshop: {cores} cores, WEB_CONCURRENCY={cores}, 2 workers, PostgreSQL + Redis, {LEARNERS} learners "
        f"open-loop over {SECONDS:.0f} s, {len(events)} requests, latency from when each was due"
    )
    for name, kind in sorted(results.items()):
        values = kind["latencies"]
        print(
            f"  {name}: {len(values) + kind['errors']} requests, p50 {percentile(values, 50):.0f} ms, "
            f"p95 {percentile(values, 95):.0f} ms, p99 {percentile(values, 99):.0f} ms, statuses "
            f"{json.dumps(kind['statuses'])}"
        )
    outcomes = {status: list(graded.values()).count(status) for status in set(graded.values())}
    print(
        f"  errors {errors} (target 0) | answers saved {answers_saved} of {sent} sent ({answered_ok} answered 200; "
        f"target equal) | submissions graded {len(graded)} of {SUBMISSIONS} sent, outcomes {outcomes}"
        f"{', submit errors ' + str(submit_errors[:3]) if submit_errors else ''} (target equal)"
    )
    if error_messages:
        print(f"  grading errors: {error_messages[:3]}")


if __name__ == "__main__":
    main()

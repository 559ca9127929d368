"""Labs with real processes: a Celery worker from the Procfile grades uploads in the sandbox, and survives faults.

CI runs these on PostgreSQL and Redis; a newcomer's machine on SQLite and the server-less broker.
"""

import fcntl
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from tests.archives import CLEAN_APP, zip_folder
from tests.stack import Learner

pytestmark = [pytest.mark.process, pytest.mark.sandbox, pytest.mark.django_db(transaction=True)]


def failing_fixture(tmp_path: Path) -> bytes:
    """The clean app, bound to 127.0.0.1: port binding must fail, and the rest still pass."""
    app = tmp_path / "clean_app"
    shutil.copytree(CLEAN_APP, app)
    procfile = app / "Procfile"
    procfile.write_text(procfile.read_text().replace("0.0.0.0", "127.0.0.1"))
    return zip_folder(app)


def slow_release_fixture(tmp_path: Path) -> bytes:
    """The clean app with a release step that takes a few seconds: a window to kill the worker in, under any load."""
    app = tmp_path / "slow_app"
    shutil.copytree(CLEAN_APP, app)
    procfile = app / "Procfile"
    procfile.write_text(procfile.read_text().replace("release: ", "release: sleep 4 && ", 1))
    return zip_folder(app)


def unanswering_fixture(tmp_path: Path) -> bytes:
    """The clean app whose web process never answers HTTP: the learner's own failure."""
    app = tmp_path / "sleepy_app"
    shutil.copytree(CLEAN_APP, app)
    procfile = app / "Procfile"
    web = next(line for line in procfile.read_text().splitlines() if line.startswith("web:"))
    procfile.write_text(procfile.read_text().replace(web, "web: python -c 'import time; time.sleep(600)'"))
    return zip_folder(app)


def scorecards(stack) -> list:
    return stack.query(
        "from labs.models import Submission\n"
        "result = [[s.status, s.attempts, hasattr(s, 'scorecard')] for s in Submission.objects.order_by('pk')]"
    )


def nice_of(pid: int) -> tuple[int, str]:
    """A process's nice value and its session's autogroup nice ('none' on a kernel without autogroup)."""
    nice = int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])
    group = Path(f"/proc/{pid}/autogroup")
    return nice, group.read_text().split()[-1] if group.exists() else "none"


def test_worker_grades_a_clean_and_a_failing_upload(site_stack, tmp_path):
    stack = site_stack()
    web = stack.start("web")
    worker = stack.start("worker")
    learner = Learner(stack)

    clean = learner.submit("audit", zip_folder())
    failing = learner.submit("audit", failing_fixture(tmp_path))

    assert learner.wait_for(clean, ("passed", "failed", "error")) == ("passed", 100)
    status, score = learner.wait_for(failing, ("passed", "failed", "error"))
    assert status in ("failed", "passed") and score < 100
    page = learner.get(failing)
    assert "port-binding.all-interfaces" in page and "127.0.0.1" in page
    assert 'href="/courses/twelve-factor/port-binding/' in page
    # Grading waits in a queue, pages have a learner waiting: the worker runs below the web (GRADING_NICE).
    assert nice_of(worker.popen.pid)[0] == 10 and nice_of(worker.popen.pid)[1] in ("10", "none")
    assert nice_of(web.popen.pid) in ((0, "0"), (0, "none"))


def test_a_worker_killed_mid_job_loses_nothing_and_grades_once(site_stack, tmp_path):
    stack = site_stack(LAB_LEASE_SECONDS="8")
    stack.start("web")
    worker = stack.start("worker")
    learner = Learner(stack)
    status_page = learner.submit("audit", slow_release_fixture(tmp_path))
    learner.wait_for(status_page, ("running",), interval=0.05)

    stack.kill_worker(worker)
    assert scorecards(stack) == [["running", 1, False]]
    stack.start("worker")
    time.sleep(9)  # the lease runs out
    stack.manage("reap_submissions")

    assert learner.wait_for(status_page, ("passed", "failed", "error")) == ("passed", 100)
    time.sleep(2)
    assert scorecards(stack) == [["passed", 2, True]]


def test_the_same_message_delivered_twice_grades_once(site_stack):
    stack = site_stack()
    stack.start("web")
    stack.start("worker", WORKER_CONCURRENCY="2")
    learner = Learner(stack)
    status_page = learner.submit("audit", zip_folder())
    stack.query(
        "from labs.models import Submission\nfrom labs.tasks import grade_submission\n"
        "s = Submission.objects.get()\ngrade_submission.delay(s.pk)\ngrade_submission.delay(s.pk)\nresult = s.pk"
    )

    assert learner.wait_for(status_page, ("passed", "failed", "error")) == ("passed", 100)
    time.sleep(3)  # let the duplicates arrive and find nothing to do
    assert scorecards(stack) == [["passed", 1, True]]


@pytest.mark.skipif(shutil.which("redis-server") is None, reason="needs Debian's redis-server to stop and start")
def test_a_submission_made_while_the_broker_is_down_is_graded_when_it_returns(site_stack, tmp_path):
    from tests.conftest import free_port

    port = free_port()
    broker = f"redis://127.0.0.1:{port}/0"
    stack = site_stack(CELERY_BROKER_URL=broker, CELERY_RESULT_BACKEND=broker, LAB_RESEND_AFTER_SECONDS="1")
    stack.start("web")
    learner = Learner(stack)

    status_page = learner.submit("audit", zip_folder())  # the broker is not running

    assert learner.status(status_page) == ("queued", None)
    redis = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    try:
        stack.start("worker")
        time.sleep(2)
        stack.manage("reap_submissions")
        assert learner.wait_for(status_page, ("passed", "failed", "error")) == ("passed", 100)
    finally:
        redis.terminate()
        redis.wait()


@pytest.mark.skipif(os.geteuid() != 0, reason="sandbox slots exist only when the worker runs as root")
def test_a_sandbox_that_cannot_run_is_retried_then_error_never_a_failed_grade(site_stack, tmp_path):
    """Our fault (every sandbox slot taken) is retried with backoff and ends ERROR with no score; once the sandbox is
    back, a learner's own failure is FAILED with a score."""
    lock_dir = tmp_path / "slots"
    lock_dir.mkdir(mode=0o700)
    # A slot uid of its own: a grader elsewhere on this machine (another suite, a dev server) uses 10001.. and
    # clears its slot's uid of leftover processes, which would be this test's box.
    stack = site_stack(
        SANDBOX_SLOTS="1", SANDBOX_LOCK_DIR=str(lock_dir), SANDBOX_UID_BASE="10901", SANDBOX_SLOT_WAIT_SECONDS="1",
        LAB_MAX_ATTEMPTS="2", LAB_RETRY_BACKOFF_SECONDS="1",
    )  # fmt: skip
    stack.start("web")
    learner = Learner(stack)
    slot = os.open(lock_dir / "slot-0.lock", os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(slot, fcntl.LOCK_EX)  # the only slot is busy for as long as we hold it
    try:
        stack.start("worker")
        status_page = learner.submit("audit", zip_folder())
        assert learner.wait_for(status_page, ("passed", "failed", "error")) == ("error", None)
    finally:
        os.close(slot)
    assert scorecards(stack) == [["error", 2, False]]
    assert "our fault, not your code" in learner.get(status_page)

    failing = learner.submit("audit", unanswering_fixture(tmp_path))
    status, score = learner.wait_for(failing, ("passed", "failed", "error"))
    assert status == "failed" and score is not None and score <= 40

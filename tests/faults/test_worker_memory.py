"""Memory faults under a real Celery worker: the kernel's OOM killer taking the process that grades, and a learner's
app that allocates past the box's memory limit (the box must stop it, not the worker)."""

import os
import shutil
import signal
import time
from pathlib import Path

import pytest

from tests.archives import CLEAN_APP, zip_folder
from tests.labs.test_grading_flow import scorecards, slow_release_fixture
from tests.stack import Learner

pytestmark = [pytest.mark.faults, pytest.mark.process, pytest.mark.sandbox, pytest.mark.django_db(transaction=True)]

FINISHED = ("passed", "failed", "error")


def memory_hog_fixture(tmp_path: Path) -> bytes:
    """The clean app whose web process allocates without end (64 GiB in 64 MiB steps, each page touched)."""
    app = tmp_path / "hog_app"
    shutil.copytree(CLEAN_APP, app)
    procfile = app / "Procfile"
    web = next(line for line in procfile.read_text().splitlines() if line.startswith("web:"))
    hog = "web: python -c 'hoard = [bytearray(64 * 1024 * 1024) for _ in range(1024)]'"
    procfile.write_text(procfile.read_text().replace(web, hog))
    return zip_folder(app)


def pool_children(pid: int) -> list[int]:
    """The worker's pool processes: the ones that run tasks, and that the OOM killer picks as the largest."""
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children += [int(child) for child in (task / "children").read_text().split()]
    return children


def test_the_grading_process_killed_by_the_oom_killer_is_graded_again_exactly_once(site_stack, tmp_path):
    stack = site_stack()  # the default lease (the task time limit + 60 s): the grade must not wait it out
    stack.start("web")
    worker = stack.start("worker")
    learner = Learner(stack)
    status_page = learner.submit("audit", slow_release_fixture(tmp_path))
    learner.wait_for(status_page, ("running",), interval=0.05)

    # SIGKILL, as the OOM killer sends it, to the pool process grading; the worker's main process lives on.
    killed = pool_children(worker.popen.pid)
    assert killed
    for pid in killed:
        os.kill(pid, signal.SIGKILL)

    # Celery hands the message back at once (acks late, reject on worker lost), and the redelivered task takes over
    # the lease of the process that is gone: no reaper, no waiting out the lease.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and learner.status(status_page)[0] not in FINISHED:
        time.sleep(2)
    assert learner.status(status_page) == ("passed", 100)
    assert worker.popen.poll() is None  # the same worker, with a new pool process
    time.sleep(3)  # a redelivered message, if any, arrives and finds nothing to do
    rows = scorecards(stack)
    assert len(rows) == 1
    status, attempts, has_scorecard = rows[0]
    assert (status, has_scorecard) == ("passed", True)
    assert attempts >= 2  # graded again, not scored from the killed attempt


def test_an_app_allocating_past_the_box_limit_is_stopped_by_the_box_not_the_worker(site_stack, tmp_path):
    stack = site_stack()
    stack.start("web")
    worker = stack.start("worker")
    learner = Learner(stack)
    deadline = time.monotonic() + 30
    while not (pool_before := pool_children(worker.popen.pid)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert pool_before, "the worker started no pool process"

    hog = learner.submit("audit", memory_hog_fixture(tmp_path))
    status, score = learner.wait_for(hog, FINISHED)

    # A learner's failure, scored: the web check fails; not an error of ours.
    assert status == "failed" and score is not None and score < 100
    assert worker.popen.poll() is None
    assert pool_children(worker.popen.pid) == pool_before  # the pool process that graded it is still the same
    # And the worker goes on grading.
    clean = learner.submit("audit", zip_folder())
    assert learner.wait_for(clean, FINISHED) == ("passed", 100)
    assert [row[0] for row in scorecards(stack)] == ["failed", "passed"]

import tarfile
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from labs import services
from labs.grading import CheckResult
from labs.grading import Scorecard as GraderScorecard
from labs.models import Lab, Scorecard, Submission
from tests.archives import tar_gz_bytes, tar_member, zip_bytes, zip_folder
from tests.factories import SubmissionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def lab(course_content) -> Lab:
    return Lab.objects.get(course__slug="twelve-factor", slug="audit")


@pytest.fixture
def learner(db):
    return UserFactory(username="ada")


@pytest.fixture
def sent(monkeypatch) -> list[int]:
    """Tasks handed to the broker, recorded instead of sent."""
    calls: list[int] = []
    monkeypatch.setattr(services, "submission_enqueue", lambda *, submission_id: calls.append(submission_id) or True)
    return calls


def upload(data: bytes, name: str = "repo.zip") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/zip")


def result(score: int = 100, passed: bool = True) -> GraderScorecard:
    check = CheckResult("logs.output-to-stdout", 11, "pass" if passed else "fail", 10 if passed else 0, 10, "e", "h")
    return GraderScorecard(lab="audit", score=score, passed=passed, checks=[check])


def test_a_valid_upload_is_stored_and_queued_after_commit(lab, learner, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        submission = services.submission_create(lab=lab, user=learner, upload=upload(zip_folder()))

    assert submission.status == Submission.Status.QUEUED
    assert submission.archive.name == f"submissions/{submission.public_id}.zip"
    assert submission.archive.storage.exists(submission.archive.name)
    assert sent == [submission.pk]


@pytest.mark.parametrize(
    ("data", "name", "reason"),
    [
        (b"", "empty.zip", "The file is empty."),
        (b"just some text", "notes.txt", "Upload your repository as a .zip or .tar.gz archive."),
        (b"PK\x03\x04 this is not really a zip", "broken.zip", ""),
        (zip_bytes({"../../escape.py": b"x"}), "slip.zip", ""),
        (tar_gz_bytes([tar_member("app/secrets", tarfile.SYMTYPE, linkname="/etc/passwd")]), "link.tar.gz", ""),
    ],
    ids=["empty", "wrong-type", "corrupt", "zip-slip", "symlink"],
)
def test_bad_uploads_are_refused_and_nothing_is_stored(lab, learner, sent, data, name, reason):
    with pytest.raises(services.SubmissionInvalid) as refusal:
        services.submission_create(lab=lab, user=learner, upload=upload(data, name))

    assert str(refusal.value)
    if reason:
        assert str(refusal.value) == reason
    assert not Submission.objects.exists()
    assert sent == []


def test_an_oversized_upload_is_refused(lab, learner, sent, settings):
    settings.LAB_UPLOAD_MAX_BYTES = 100

    with pytest.raises(services.SubmissionInvalid, match="larger than"):
        services.submission_create(lab=lab, user=learner, upload=upload(zip_folder()))

    assert not Submission.objects.exists()


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ext::sh -c touch% /tmp/pwned",
        "ssh://git@github.com/a/b.git",
        "git@github.com:a/b.git",
        "-uhttps://github.com/a/b",
        "https://evil.example.com/a/b.git",
        "https://user:pass@github.com/a/b.git",
        "https://github.com:8443/a/b.git",
        "https://github.com/",
        "https://github.com/a/b\n--upload-pack=x",
    ],
)
def test_disallowed_git_urls_are_refused(lab, learner, sent, url):
    with pytest.raises(services.SubmissionInvalid):
        services.submission_create(lab=lab, user=learner, git_url=url)

    assert not Submission.objects.exists()
    assert sent == []


def test_an_allowed_git_url_is_queued(lab, learner, sent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        submission = services.submission_create(lab=lab, user=learner, git_url="https://github.com/ada/service")

    assert submission.git_url == "https://github.com/ada/service"
    assert sent == [submission.pk]


def test_only_one_worker_claims_a_submission(lab, learner):
    submission = SubmissionFactory(lab=lab, user=learner)

    assert services.submission_claim(submission_id=submission.pk) is True
    assert services.submission_claim(submission_id=submission.pk) is False
    submission.refresh_from_db()
    assert submission.status == Submission.Status.RUNNING
    assert submission.attempts == 1


def test_a_lease_held_by_a_process_gone_from_this_host_is_taken_over_at_once(lab, learner):
    """A grading process SIGKILLed mid-grade (the OOM killer): Celery hands the message back at once, and the
    redelivered task must not wait out a six-minute lease held by a process that no longer exists."""
    import os
    import socket
    import subprocess

    gone = subprocess.Popen(["true"])
    gone.wait()
    host = socket.gethostname()
    in_an_hour = timezone.now() + timedelta(hours=1)

    def running(leased_by):
        return SubmissionFactory(
            lab=lab, user=learner, status=Submission.Status.RUNNING, attempts=1, lease_expires_at=in_an_hour,
            leased_by=leased_by,
        )  # fmt: skip

    dead = running(f"{host}:{gone.pid}")
    assert services.submission_claim(submission_id=dead.pk) is True
    dead.refresh_from_db()
    assert (dead.attempts, dead.leased_by) == (2, f"{host}:{os.getpid()}")
    # Alive here, or on a host we cannot see: the lease holds.
    assert services.submission_claim(submission_id=running(f"{host}:{os.getpid()}").pk) is False
    assert services.submission_claim(submission_id=running(f"another-host:{gone.pid}").pk) is False


def test_an_expired_lease_can_be_claimed_again(lab, learner):
    submission = SubmissionFactory(
        lab=lab, user=learner, status=Submission.Status.RUNNING, attempts=1,
        lease_expires_at=timezone.now() - timedelta(seconds=1),
    )  # fmt: skip

    assert services.submission_claim(submission_id=submission.pk) is True
    submission.refresh_from_db()
    assert submission.attempts == 2


def test_the_scorecard_is_written_once(lab, learner):
    submission = SubmissionFactory(lab=lab, user=learner, status=Submission.Status.RUNNING)

    services.submission_record_result(submission=submission, result=result(100, True))
    services.submission_record_result(submission=submission, result=result(10, False))

    assert Scorecard.objects.filter(submission=submission).count() == 1
    submission.refresh_from_db()
    assert submission.scorecard.score == 100
    assert submission.status == Submission.Status.PASSED


def test_a_second_delivery_of_a_graded_submission_does_nothing(lab, learner, monkeypatch):
    submission = SubmissionFactory(lab=lab, user=learner, status=Submission.Status.PASSED)

    assert services.submission_grade(submission_id=submission.pk) is None
    assert not Scorecard.objects.exists()


def test_sandbox_trouble_gives_the_claim_back(lab, learner, monkeypatch):
    from labs.grading import Fault, GraderFault
    from labs.sandbox import SandboxUnavailable

    class BrokenBackend:
        def check(self):
            raise SandboxUnavailable("sandbox unavailable: no user namespaces")

    monkeypatch.setattr("labs.sandbox.get_backend", lambda *a, **k: BrokenBackend())
    submission = SubmissionFactory(lab=lab, user=learner)

    with pytest.raises(GraderFault) as raised:
        services.submission_grade(submission_id=submission.pk)

    assert raised.value.kind == Fault.SANDBOX
    submission.refresh_from_db()
    assert submission.status == Submission.Status.QUEUED
    assert not Scorecard.objects.exists()


def test_reaper_requeues_expired_leases_and_gives_up_after_the_last_attempt(lab, learner, sent, settings):
    settings.LAB_MAX_ATTEMPTS = 3
    expired = timezone.now() - timedelta(seconds=5)
    retry = SubmissionFactory(
        lab=lab, user=learner, status=Submission.Status.RUNNING, attempts=1, lease_expires_at=expired
    )
    hopeless = SubmissionFactory(
        lab=lab, user=learner, status=Submission.Status.RUNNING, attempts=3, lease_expires_at=expired
    )
    alive = SubmissionFactory(
        lab=lab, user=learner, status=Submission.Status.RUNNING, attempts=1,
        lease_expires_at=timezone.now() + timedelta(minutes=5),
    )  # fmt: skip

    counts = services.submission_reap()

    for submission in (retry, hopeless, alive):
        submission.refresh_from_db()
    assert counts == {"requeued": 1, "gave_up": 1, "resent": 0}
    assert retry.status == Submission.Status.QUEUED and sent == [retry.pk]
    assert hopeless.status == Submission.Status.ERROR and "gave up" in hopeless.error_message
    assert alive.status == Submission.Status.RUNNING


def test_reaper_resends_queued_submissions_the_broker_never_got(lab, learner, sent, settings):
    settings.LAB_RESEND_AFTER_SECONDS = 60
    old = timezone.now() - timedelta(minutes=5)
    lost = SubmissionFactory(lab=lab, user=learner)
    Submission.objects.filter(pk=lost.pk).update(created_at=old)
    fresh = SubmissionFactory(lab=lab, user=learner)

    counts = services.submission_reap()

    assert counts["resent"] == 1
    assert sent == [lost.pk]
    assert fresh.pk not in sent


def test_broker_outage_leaves_the_submission_queued(lab, learner, monkeypatch, django_capture_on_commit_callbacks):
    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr("labs.tasks.grade_submission.apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        submission = services.submission_create(lab=lab, user=learner, upload=upload(zip_folder()))

    submission.refresh_from_db()
    assert submission.status == Submission.Status.QUEUED
    assert submission.enqueued_at is None

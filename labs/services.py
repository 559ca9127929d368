"""Writes for labs: accepting a submission, claiming and grading it, and reaping abandoned ones.

A learner's mistake (a repository that fails, or an archive that is refused) is a result. Our own fault (the sandbox,
the package index, a crashed check: labs.grading.GraderFault) raises, is retried by the task with backoff, and only
after the last attempt becomes an ERROR with no score. It never becomes a FAILED scorecard.
"""

import errno
import logging
import os
import shutil
import socket
import tempfile
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from labs.models import Lab, Scorecard, Submission
from labs.signals import scorecard_recorded

logger = logging.getLogger(__name__)

ZIP_MAGIC = (b"PK\x03\x04",)
GZIP_MAGIC = b"\x1f\x8b"


class SubmissionInvalid(Exception):
    """The submission was refused before it was stored; str() tells the learner why."""


class StorageFull(SubmissionInvalid):
    """Our storage had no room for the upload: our fault, refused with nothing kept (no row, no partial file)."""

    retry_after_seconds = 300


# --- Accepting -----------------------------------------------------------------------------------------------------


def submission_create(*, lab: Lab, user, upload: UploadedFile | None = None, git_url: str = "") -> Submission:
    """Validate, store in shared storage and queue a submission. Refusals raise SubmissionInvalid, storing nothing."""
    git_url = git_url.strip()
    if bool(upload) == bool(git_url):
        raise SubmissionInvalid("Upload an archive or give a git URL (one of the two).")
    if upload is not None:
        _validate_upload(upload)
    else:
        validate_git_url(git_url)
    with transaction.atomic():
        submission = Submission(lab=lab, user=user, git_url=git_url)
        if upload is not None:
            submission.original_name = Path(upload.name or "upload").name[:255]
            submission.size_bytes = upload.size or 0  # Django leaves size None only for a file it could not measure
            upload.seek(0)
            _store_archive(submission=submission, upload=upload)
        submission.save()
        transaction.on_commit(lambda: submission_enqueue(submission_id=submission.pk))
    logger.info("submission queued", extra={"submission": str(submission.public_id), "lab": lab.slug})
    return submission


def _store_archive(*, submission: Submission, upload: UploadedFile) -> None:
    # The name is the submission's own (its public id), so it is known before the write and a half-written file can
    # be removed; the transaction around the caller rolls back the row.
    name = submission.archive.field.generate_filename(submission, upload.name or "upload.zip")
    try:
        submission.archive.save(upload.name or "upload.zip", upload, save=False)
    except OSError as error:
        if error.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        logger.error("submission storage full", extra={"submission": str(submission.public_id), "bytes": upload.size})
        try:
            submission.archive.storage.delete(name)
        except OSError:
            logger.exception("could not remove a partial upload", extra={"name": name})
        raise StorageFull(
            "We could not store your upload: our storage is full. Nothing was saved; try again in a few minutes."
        ) from error


def _validate_upload(upload: UploadedFile) -> None:
    from labs.grading import SubmissionRefused
    from labs.grading.intake import extract

    if upload.size == 0:
        raise SubmissionInvalid("The file is empty.")
    limit = settings.LAB_UPLOAD_MAX_BYTES
    if upload.size > limit:
        raise SubmissionInvalid(f"The file is larger than {limit // (1024 * 1024)} MB.")
    upload.seek(0)
    head = upload.read(4)
    if not (head.startswith(ZIP_MAGIC) or head.startswith(GZIP_MAGIC)):
        raise SubmissionInvalid("Upload your repository as a .zip or .tar.gz archive.")
    # Unpack it now, with the grader's own intake rules, so a broken or hostile archive is refused at once.
    with tempfile.TemporaryDirectory(prefix="submission-check-") as tmp:
        archive = Path(tmp) / ("upload.zip" if head.startswith(ZIP_MAGIC) else "upload.tar.gz")
        with archive.open("wb") as out:
            upload.seek(0)
            for chunk in upload.chunks():
                out.write(chunk)
        try:
            extract(archive, Path(tmp) / "tree")
        except SubmissionRefused as refusal:
            raise SubmissionInvalid(str(refusal)) from refusal


def validate_git_url(url: str) -> None:
    """The grader's own rules (labs.grading.intake.check_git_url) with this site's allow-list."""
    from labs.grading import SubmissionRefused
    from labs.grading.intake import check_git_url

    try:
        check_git_url(url, allowed_hosts=settings.LAB_GIT_ALLOWED_HOSTS)
    except SubmissionRefused as refusal:
        raise SubmissionInvalid(str(refusal)) from refusal


def submission_enqueue(*, submission_id: int) -> bool:
    """Send the grading task. A broker outage is logged, not raised: the submission stays queued in the database
    and the reaper sends it again when the broker is back."""
    from labs.tasks import grade_submission

    try:
        grade_submission.apply_async(args=[submission_id], retry=False)
    except Exception:  # any broker error: the database row is the source of truth
        logger.warning("broker unavailable; submission stays queued", extra={"submission_id": submission_id})
        return False
    Submission.objects.filter(pk=submission_id).update(enqueued_at=timezone.now())
    return True


# --- Grading -------------------------------------------------------------------------------------------------------


def submission_claim(*, submission_id: int) -> bool:
    """Take the submission for this worker with a lease, if it is queued, its last lease ran out, or the process that
    holds the lease is gone from this host (killed mid-grade, by the OOM killer say: Celery hands the message back at
    once, and the learner need not wait out the lease).

    A conditional UPDATE: of two workers handed the same message, only one claims it.
    """
    now = timezone.now()
    claimable = Q(status=Submission.Status.QUEUED) | Q(status=Submission.Status.RUNNING, lease_expires_at__lt=now)
    holder = Submission.objects.filter(pk=submission_id, status=Submission.Status.RUNNING).values_list(
        "leased_by", flat=True
    )
    dead = [name for name in holder if _holder_is_gone(name)]
    if dead:
        claimable |= Q(status=Submission.Status.RUNNING, leased_by=dead[0])
    claimed = Submission.objects.filter(claimable, pk=submission_id, attempts__lt=settings.LAB_MAX_ATTEMPTS).update(
        status=Submission.Status.RUNNING,
        started_at=now,
        lease_expires_at=now + timedelta(seconds=settings.LAB_LEASE_SECONDS),
        leased_by=_this_process(),
        attempts=F("attempts") + 1,
        progress=[],
    )
    return claimed == 1


def _this_process() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _holder_is_gone(leased_by: str) -> bool:
    """True only when the holder ran on this host and its pid no longer exists. Anything uncertain (another host,
    a pid reused since) keeps the lease, and the reaper takes over when it runs out."""
    host, _, pid = leased_by.rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def submission_release(*, submission_id: int, error: str = "") -> None:
    """Give a claimed submission back: to the queue, or to ERROR with `error` when there is no attempt left."""
    submission = Submission.objects.get(pk=submission_id)
    if error:
        Submission.objects.filter(
            pk=submission_id, status__in=[Submission.Status.RUNNING, Submission.Status.QUEUED]
        ).update(status=Submission.Status.ERROR, error_message=error, finished_at=timezone.now(), lease_expires_at=None)
        logger.error("submission gave up", extra={"submission": str(submission.public_id), "reason": error})
    else:
        Submission.objects.filter(pk=submission_id, status=Submission.Status.RUNNING).update(
            status=Submission.Status.QUEUED, lease_expires_at=None
        )


def submission_grade(*, submission_id: int) -> Submission | None:
    """Grade one submission end to end. Returns None when another worker holds it or it is already graded.

    When the grader fails through our fault (labs.grading.GraderFault) the claim is given back and the fault
    raised, for the task to retry later; on the last attempt the submission becomes ERROR instead, with no score.
    """
    from labs.grading import Fault, GraderFault
    from labs.sandbox import SandboxUnavailable, get_backend

    if not submission_claim(submission_id=submission_id):
        return None
    submission = Submission.objects.select_related("lab").get(pk=submission_id)
    try:
        try:
            get_backend().check()  # before fetching anything: no sandbox, no grade
        except SandboxUnavailable as unavailable:
            raise GraderFault(Fault.SANDBOX, str(unavailable)) from unavailable
        scorecard = _run_grader(submission)
    except GraderFault as fault:
        logger.warning(
            "grader fault",
            extra={"submission": str(submission.public_id), "fault": fault.kind, "attempt": submission.attempts},
        )
        if submission.attempts >= settings.LAB_MAX_ATTEMPTS:
            submission_release(submission_id=submission_id, error=_grader_fault_message(fault))
            submission.refresh_from_db()
            return submission
        submission_release(submission_id=submission_id)
        raise
    return submission_record_result(submission=submission, result=scorecard)


def _grader_fault_message(fault) -> str:
    return (
        f"We could not grade this submission: {fault}. This was our fault, not your code's, and it was tried "
        f"{settings.LAB_MAX_ATTEMPTS} times. Submit again later; tell your instructor if it happens twice."
    )


def _run_grader(submission: Submission):
    from labs.grading import Scorecard as GraderScorecard
    from labs.grading import SubmissionRefused, grade
    from labs.grading.intake import fetch_git_url

    finished: list[dict] = []  # the claim was reset to [] above, and only this worker writes it now

    def record_progress(check) -> None:
        # Live progress for the status page: one write per finished check, no read.
        finished.append(check.to_dict())
        Submission.objects.filter(pk=submission.pk).update(progress=finished)

    with tempfile.TemporaryDirectory(prefix="grade-") as tmp:
        try:
            if submission.git_url:
                source = Path(tmp) / "repo"
                fetch_git_url(submission.git_url, source, allowed_hosts=settings.LAB_GIT_ALLOWED_HOSTS)
            else:
                source = Path(tmp) / Path(submission.archive.name).name
                with submission.archive.open("rb") as stored, source.open("wb") as local:
                    shutil.copyfileobj(stored, local)
            return grade(
                source, submission.lab.slug, labs_dir=lab_content_dir(submission.lab), on_check=record_progress
            )
        except SubmissionRefused as refusal:
            return GraderScorecard.refused(submission.lab.slug, str(refusal))


def lab_content_dir(lab: Lab) -> Path:
    return Path(settings.BASE_DIR) / "content" / "courses" / lab.course.slug / "labs"


@transaction.atomic
def submission_record_result(*, submission: Submission, result) -> Submission:
    """Write the scorecard once. A second delivery of the same job finds it and changes nothing."""
    card, created = Scorecard.objects.get_or_create(
        submission=submission,
        defaults={
            "score": result.score,
            "passed": result.passed,
            "checks": [check.to_dict() for check in result.checks],
            "error": result.error or "",
        },
    )
    if result.error and not result.checks:
        status = Submission.Status.ERROR
    else:
        status = Submission.Status.PASSED if card.passed else Submission.Status.FAILED
    Submission.objects.filter(pk=submission.pk).update(
        status=status, finished_at=timezone.now(), lease_expires_at=None, error_message=card.error
    )
    submission.refresh_from_db()
    if created:
        logger.info(
            "submission graded",
            extra={"submission": str(submission.public_id), "score": card.score, "status": submission.status},
        )
        # A listener's fault is logged, never allowed to undo the learner's scorecard.
        for receiver, error in scorecard_recorded.send_robust(sender=Submission, submission=submission):
            if isinstance(error, Exception):
                logger.error("scorecard listener failed", exc_info=error, extra={"receiver": repr(receiver)})
    return submission


# --- Reaping -------------------------------------------------------------------------------------------------------


def submission_reap(*, now=None) -> dict[str, int]:
    """Recover work a dead worker or a broker outage left behind (run on a schedule by `beat` or cron).

    - RUNNING past its lease: back to the queue and sent again, or ERROR when no attempt is left.
    - QUEUED with no task sent recently (the broker was down, or its message died with a worker): sent again.
    """
    now = now or timezone.now()
    counts = {"requeued": 0, "gave_up": 0, "resent": 0}
    for submission_id, attempts in Submission.objects.lease_expired(now).values_list("pk", "attempts"):
        if attempts >= settings.LAB_MAX_ATTEMPTS:
            Submission.objects.filter(pk=submission_id, status=Submission.Status.RUNNING).update(
                status=Submission.Status.ERROR,
                finished_at=now,
                lease_expires_at=None,
                error_message=(
                    f"Grading stopped {attempts} times before it finished, so we gave up. This is usually our "
                    "fault, not your code's: submit again, and tell your instructor if it happens twice."
                ),
            )
            logger.error("submission gave up after repeated worker loss", extra={"submission_id": submission_id})
            counts["gave_up"] += 1
            continue
        Submission.objects.filter(pk=submission_id, status=Submission.Status.RUNNING).update(
            status=Submission.Status.QUEUED, lease_expires_at=None
        )
        counts["requeued"] += submission_enqueue(submission_id=submission_id)
    stale = now - timedelta(seconds=settings.LAB_RESEND_AFTER_SECONDS)
    for submission_id in (
        Submission.objects.waiting()
        .filter(Q(enqueued_at__isnull=True, created_at__lt=stale) | Q(enqueued_at__lt=stale))
        .values_list("pk", flat=True)
    ):
        counts["resent"] += submission_enqueue(submission_id=submission_id)
    return counts

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse


class LabQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published=True, course__published=True)


class Lab(models.Model):
    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="labs")
    slug = models.SlugField()
    title = models.CharField(max_length=200)
    factors = models.JSONField(default=list, help_text="Factor numbers (1-12) the lab trains.")
    pass_mark = models.PositiveSmallIntegerField(default=80)
    readme_html = models.TextField(blank=True, help_text="README.md rendered by load_content.")
    has_starter = models.BooleanField(default=False)
    order = models.PositiveIntegerField(default=0)
    source_hash = models.CharField(max_length=64, blank=True)
    published = models.BooleanField(default=True)

    objects = LabQuerySet.as_manager()

    class Meta:
        ordering = ["course", "order", "slug"]
        constraints = [models.UniqueConstraint(fields=["course", "slug"], name="unique_lab_slug_per_course")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("labs:detail", args=[self.course.slug, self.slug])


class LabStarter(models.Model):
    """A guided lab's starter repository, packed by load_content (content changes only at release), so a download
    serves stored bytes instead of running git on every request."""

    lab = models.OneToOneField(Lab, on_delete=models.CASCADE, related_name="starter")
    zip_bytes = models.BinaryField(help_text="The starter as a zip.")
    bundle_bytes = models.BinaryField(help_text="The starter as a git bundle.")
    source_hash = models.CharField(max_length=64, help_text="Hash of its files.")

    def __str__(self) -> str:
        return f"Starter of {self.lab}"


class SubmissionQuerySet(models.QuerySet):
    def waiting(self):
        return self.filter(status=Submission.Status.QUEUED)

    def lease_expired(self, now):
        return self.filter(status=Submission.Status.RUNNING, lease_expires_at__lt=now)

    def finished(self):
        return self.filter(status__in=Submission.FINISHED)


def submission_upload_path(submission: "Submission", filename: str) -> str:
    # The learner's file name never reaches storage paths; the public id and a fixed suffix do.
    suffix = ".zip" if filename.lower().endswith(".zip") else ".tar.gz"
    return f"submissions/{submission.public_id}{suffix}"


class Submission(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Grading"
        PASSED = "passed", "Passed"
        FAILED = "failed", "Did not pass"
        ERROR = "error", "Could not be graded"

    FINISHED = (Status.PASSED, Status.FAILED, Status.ERROR)
    GRADED = (Status.PASSED, Status.FAILED)  # a score exists; a refusal or our error is "not graded"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lab_submissions")
    lab = models.ForeignKey(Lab, on_delete=models.PROTECT, related_name="submissions")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True)
    archive = models.FileField(upload_to=submission_upload_path, blank=True, help_text="In shared storage.")
    git_url = models.URLField(max_length=500, blank=True)
    original_name = models.CharField(max_length=255, blank=True)
    size_bytes = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Times a worker has claimed it.")
    lease_expires_at = models.DateTimeField(
        null=True, blank=True, help_text="A running grade not done by then is reaped."
    )
    leased_by = models.CharField(max_length=300, blank=True, help_text="host:pid of the process grading it.")
    enqueued_at = models.DateTimeField(null=True, blank=True, help_text="Last time a task was sent to the broker.")
    progress = models.JSONField(default=list, blank=True, help_text="Checks finished so far, for the live page.")
    error_message = models.TextField(blank=True, help_text="Shown to the learner when grading could not finish.")

    objects = SubmissionQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "lease_expires_at"])]

    def __str__(self) -> str:
        return f"{self.lab} by {self.user} ({self.get_status_display()})"

    def get_absolute_url(self) -> str:
        return reverse("labs:submission", args=[self.public_id])

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def graded_score(self) -> int | None:
        """The score, or None when the submission was not graded (refused, or our own failure)."""
        scorecard = getattr(self, "scorecard", None)
        return scorecard.score if scorecard is not None and self.status in self.GRADED else None


class Scorecard(models.Model):
    """The grader's result for one submission. One per submission: a duplicate delivery cannot write a second."""

    submission = models.OneToOneField(Submission, on_delete=models.CASCADE, related_name="scorecard")
    score = models.PositiveSmallIntegerField()
    passed = models.BooleanField()
    checks = models.JSONField(default=list)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.submission}: {self.score}"

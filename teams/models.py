import secrets
import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse


def new_token() -> str:
    return secrets.token_urlsafe(32)


class Organisation(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("teams:organisation", args=[self.public_id])


class Membership(models.Model):
    class Role(models.TextChoices):
        ADMIN = "admin", "Admin"
        MEMBER = "member", "Member"

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="team_memberships")
    role = models.CharField(max_length=8, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation", "user__username"]
        constraints = [models.UniqueConstraint(fields=["organisation", "user"], name="one_membership_per_org")]

    def __str__(self) -> str:
        return f"{self.user} in {self.organisation} ({self.role})"


class Assessment(models.Model):
    class Feedback(models.TextChoices):
        AFTER_SUBMIT = "after_submit", "Score after each attempt"
        AFTER_DEADLINE = "after_deadline", "Scores only after the deadline"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="assessments")
    title = models.CharField(max_length=200)
    pass_mark = models.PositiveSmallIntegerField(default=70, help_text="Percent needed to pass, over every part.")
    deadline = models.DateTimeField()
    attempts_allowed = models.PositiveSmallIntegerField(default=2, help_text="Attempts per quiz; 0 means unlimited.")
    time_limit_minutes = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Per quiz attempt; empty for no limit."
    )
    feedback = models.CharField(max_length=16, choices=Feedback.choices, default=Feedback.AFTER_SUBMIT)
    labs = models.ManyToManyField("labs.Lab", blank=True, related_name="assessments")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["deadline", "title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("teams:assessment", args=[self.public_id])

    @property
    def scope(self) -> str:
        """The quiz attempts taken for this assessment carry this scope, apart from the learner's own attempts."""
        return f"assessment:{self.public_id.hex}"


class QuestionPool(models.Model):
    """An organisation's own question bank, imported from another platform's file (GIFT, QTI). Its questions live
    in a quiz that is never published, so course pages, the catalogue and `load_content` leave it alone; the
    organisation's assessments draw from it as from the course's banks."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="pools")
    quiz = models.OneToOneField("quizzes.Quiz", on_delete=models.CASCADE, related_name="+")
    source_name = models.CharField(max_length=200, help_text="The file the questions were imported from.")
    format = models.CharField(max_length=8, help_text="The exchange format it was read as (quizzes/exchange).")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["organisation", "-created_at"]

    def __str__(self) -> str:
        return f"{self.organisation}: {self.quiz.title}"


class AssessmentQuiz(models.Model):
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="parts")
    quiz = models.ForeignKey("quizzes.Quiz", on_delete=models.PROTECT, related_name="+")
    draw_per_factor = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Questions per factor drawn for each person; empty for the whole quiz."
    )
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["assessment", "order", "pk"]
        constraints = [models.UniqueConstraint(fields=["assessment", "quiz"], name="one_part_per_quiz")]

    def __str__(self) -> str:
        return f"{self.assessment}: {self.quiz}"


class Assignment(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="assignments")
    assigned_at = models.DateTimeField(auto_now_add=True)
    score = models.FloatField(null=True, blank=True, help_text="Percent over every part, once each part has a score.")
    passed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["assessment", "user__username"]
        constraints = [models.UniqueConstraint(fields=["assessment", "user"], name="one_assignment_per_person")]

    def __str__(self) -> str:
        return f"{self.assessment} → {self.user}"

    def get_absolute_url(self) -> str:
        return reverse("teams:assignment", args=[self.public_id])


class Invitation(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="invitations")
    assessment = models.ForeignKey(
        Assessment, on_delete=models.CASCADE, null=True, blank=True, related_name="invitations"
    )
    email = models.EmailField()
    token = models.CharField(max_length=64, unique=True, default=new_token, editable=False)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.email} to {self.organisation}"

    def get_absolute_url(self) -> str:
        return reverse("teams:invitation", args=[self.token])


class Reminder(models.Model):
    """A reminder sent for an assignment: one row per kind, so the command never sends the same one twice."""

    class Kind(models.TextChoices):
        DUE_SOON = "due_soon", "Due soon"
        OVERDUE = "overdue", "Overdue"

    assignment = models.ForeignKey(Assignment, on_delete=models.CASCADE, related_name="reminders")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["assignment", "kind"], name="one_reminder_per_kind")]

    def __str__(self) -> str:
        return f"{self.kind} → {self.assignment}"


class Certificate(models.Model):
    class Kind(models.TextChoices):
        ASSESSMENT = "assessment", "Assessment"
        COURSE = "course", "Course"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(
        max_length=64, unique=True, default=new_token, editable=False, help_text="The public verification id."
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="certificates")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    assessment = models.ForeignKey(Assessment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    course = models.ForeignKey("courses.Course", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    holder_name = models.CharField(max_length=200, help_text="The learner's name as printed.")
    title = models.CharField(max_length=200, help_text="What was passed, as printed.")
    issued_at = models.DateTimeField(auto_now_add=True)
    revoked = models.BooleanField(default=False)

    class Meta:
        ordering = ["-issued_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "assessment"], condition=models.Q(kind="assessment"), name="one_cert_per_assessment"
            ),
            models.UniqueConstraint(
                fields=["user", "course"], condition=models.Q(kind="course"), name="one_cert_per_course"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} · {self.holder_name}"

    def get_absolute_url(self) -> str:
        return reverse("teams:certificate", args=[self.public_id])

    def get_verification_url(self) -> str:
        return reverse("teams:verify", args=[self.code])

import uuid

from django.conf import settings
from django.db import models
from django.urls import reverse


class CohortQuerySet(models.QuerySet):
    def led_by(self, user):
        return self.filter(instructor=user)


class Cohort(models.Model):
    """A group of learners taking one course together with an instructor."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="cohorts")
    instructor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cohorts_led")
    name = models.CharField(max_length=120)
    starts_on = models.DateField()
    ends_on = models.DateField()
    seat_cap = models.PositiveIntegerField(help_text="Most learners who may join.")
    join_code = models.CharField(max_length=32, unique=True, help_text="Rotating the code kills the old link.")
    join_open = models.BooleanField(default=True, help_text="Closed codes refuse new members.")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = CohortQuerySet.as_manager()

    class Meta:
        ordering = ["-starts_on", "name"]
        permissions = [("lead_cohort", "Can create and lead workshop cohorts")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="cohort_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("workshops:dashboard", args=[self.public_id])

    def get_join_url(self) -> str:
        return reverse("workshops:join", args=[self.join_code])


class Membership(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="cohort_memberships")
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cohort", "joined_at"]
        constraints = [models.UniqueConstraint(fields=["cohort", "user"], name="one_membership_per_cohort_user")]

    def __str__(self) -> str:
        return f"{self.user} in {self.cohort}"


class Lock(models.Model):
    """An item of the course that the cohort's members may not open yet."""

    class Kind(models.TextChoices):
        LESSON = "lesson", "Lesson"
        QUIZ = "quiz", "Quiz"
        LAB = "lab", "Lab"

    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="locks")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    slug = models.SlugField(help_text="The lesson's, quiz's or lab's slug in the cohort's course.")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["cohort", "kind", "slug"]
        constraints = [models.UniqueConstraint(fields=["cohort", "kind", "slug"], name="one_lock_per_cohort_item")]

    def __str__(self) -> str:
        return f"{self.cohort}: {self.kind} {self.slug} locked"

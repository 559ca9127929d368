from django.conf import settings
from django.db import models
from django.urls import reverse

from quizzes.types import REGISTRY


class QuizQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published=True, course__published=True)


class Quiz(models.Model):
    class Counts(models.TextChoices):
        BEST = "best", "Best attempt"
        LAST = "last", "Last attempt"

    class Feedback(models.TextChoices):
        IMMEDIATE = "immediate", "After each question"
        AFTER_SUBMIT = "after_submit", "After submitting the attempt"

    class Display(models.TextChoices):
        ONE = "one", "One question at a time"
        ALL = "all", "All questions on one page"

    course = models.ForeignKey("courses.Course", on_delete=models.CASCADE, related_name="quizzes")
    slug = models.SlugField(help_text="A lesson's quiz takes the lesson's slug; the final bank is `final`.")
    lesson = models.ForeignKey(
        "courses.Lesson",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="quizzes",
        help_text="The lesson this quiz follows; empty for a bank such as the final assessment.",
    )
    title = models.CharField(max_length=200)
    pass_mark = models.PositiveSmallIntegerField(default=70, help_text="Percent needed to pass.")
    attempts_allowed = models.PositiveSmallIntegerField(default=0, help_text="0 means unlimited.")
    counts = models.CharField(max_length=8, choices=Counts.choices, default=Counts.BEST)
    feedback = models.CharField(max_length=16, choices=Feedback.choices, default=Feedback.IMMEDIATE)
    display = models.CharField(max_length=8, choices=Display.choices, default=Display.ONE)
    shuffle_questions = models.BooleanField(default=False)
    shuffle_options = models.BooleanField(default=True)
    time_limit_minutes = models.PositiveSmallIntegerField(null=True, blank=True)
    draw_per_factor = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Draw this many questions per factor into each attempt (banks only)."
    )
    order = models.PositiveIntegerField(default=0)
    published = models.BooleanField(
        default=True, help_text="Quizzes removed from content/ are unpublished, not deleted."
    )
    source_path = models.CharField(max_length=300, blank=True)

    objects = QuizQuerySet.as_manager()

    class Meta:
        ordering = ["course", "order", "slug"]
        verbose_name_plural = "quizzes"
        constraints = [models.UniqueConstraint(fields=["course", "slug"], name="unique_quiz_slug_per_course")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("quizzes:quiz", args=[self.course.slug, self.slug])


class QuestionQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published=True)


class Question(models.Model):
    """A question's identity (its `id` in the quiz file). Its content lives in versions."""

    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="questions")
    key = models.SlugField(max_length=120, help_text="The question's `id` in the quiz file.")
    order = models.PositiveIntegerField(default=0)
    current_version = models.ForeignKey(
        "QuestionVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="current_of"
    )
    published = models.BooleanField(default=True)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        ordering = ["quiz", "order"]
        constraints = [models.UniqueConstraint(fields=["quiz", "key"], name="unique_question_key_per_quiz")]

    def __str__(self) -> str:
        return f"{self.quiz.slug}/{self.key}"


class QuestionVersion(models.Model):
    """The content of a question as it was when first loaded with this hash. Never edited: attempts point here."""

    # One member per registered question type (quizzes/types/), so a new type needs no edit here.
    # django-stubs types the functional API's members as bare values; Django also takes (value, label) pairs.
    Type = models.TextChoices(  # type: ignore[call-overload]
        "Type", [(key.upper(), (key, kind.name)) for key, kind in REGISTRY.items()]
    )

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="versions")
    content_hash = models.CharField(max_length=64)
    type = models.CharField(max_length=16, choices=Type.choices)
    definition = models.JSONField(help_text="The question exactly as in the quiz file, answer key included.")
    rendered = models.JSONField(default=dict, help_text="Prompt, options, feedback and explanation as HTML.")
    factor = models.PositiveSmallIntegerField(null=True, blank=True)
    points = models.PositiveSmallIntegerField(default=1)
    lesson_slug = models.SlugField()
    anchor = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["question", "content_hash"], name="unique_question_version_hash")
        ]

    def __str__(self) -> str:
        return f"{self.question} @ {self.content_hash[:8]}"


class Attempt(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts")
    quiz = models.ForeignKey(Quiz, on_delete=models.CASCADE, related_name="attempts")
    scope = models.CharField(
        max_length=64,
        blank=True,
        default="",
        help_text="Empty for the learner's own attempts; set (e.g. `assessment:<id>`) for attempts taken inside an "
        "assessment, which the quiz pages neither show nor count.",
    )
    number = models.PositiveSmallIntegerField(help_text="1 for the learner's first attempt at this quiz (per scope).")
    seed = models.CharField(max_length=32, help_text="Shuffles questions and options and derives the opaque ids.")
    started_at = models.DateTimeField(auto_now_add=True)
    # Which version sits at each position, memoised on the instance (and cached with it) by quizzes.selectors.
    _item_rows: tuple[tuple[int, int, int], ...]
    deadline = models.DateTimeField(null=True, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    points_earned = models.FloatField(null=True, blank=True)
    points_possible = models.PositiveIntegerField(null=True, blank=True)
    score = models.FloatField(null=True, blank=True, help_text="Percent, set once when the attempt is submitted.")
    passed = models.BooleanField(null=True, blank=True)

    class Meta:
        ordering = ["quiz", "user", "number"]
        constraints = [
            models.UniqueConstraint(fields=["user", "quiz", "scope", "number"], name="unique_attempt_number"),
            # At most one attempt in progress per learner, quiz and scope: a double click on "Start" cannot open two.
            models.UniqueConstraint(
                fields=["user", "quiz", "scope"],
                condition=models.Q(submitted_at__isnull=True),
                name="one_open_attempt",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.quiz} #{self.number}"

    @property
    def is_submitted(self) -> bool:
        return self.submitted_at is not None


class AttemptItem(models.Model):
    """A question version drawn into an attempt, at its position in that attempt."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="items")
    version = models.ForeignKey(QuestionVersion, on_delete=models.PROTECT, related_name="+")
    position = models.PositiveSmallIntegerField(help_text="1-based.")

    class Meta:
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "position"], name="unique_item_position"),
            models.UniqueConstraint(fields=["attempt", "version"], name="unique_item_version"),
        ]


class Answer(models.Model):
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="answers")
    item = models.ForeignKey(AttemptItem, on_delete=models.CASCADE, related_name="answers")
    given = models.JSONField(help_text="The form values exactly as posted.")
    response = models.JSONField(help_text="The response in canonical form (indices), as graded.")
    credit = models.FloatField(help_text="0 to 1, from the grader for the question's type.")
    answered_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["attempt", "item"], name="one_answer_per_question_per_attempt")]

    def __str__(self) -> str:
        return f"{self.attempt} · Q{self.item.position}"

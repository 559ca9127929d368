from django.conf import settings
from django.db import models
from django.urls import reverse

from courses.markdown import toc_anchors


class CourseQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published=True)


class Course(models.Model):
    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True)
    order = models.PositiveIntegerField(default=0)
    published = models.BooleanField(
        default=True, help_text="Unpublished courses are hidden but keep learners' progress."
    )
    source_hash = models.CharField(max_length=64, blank=True, help_text="Hash of course.yaml as last loaded.")

    objects = CourseQuerySet.as_manager()

    class Meta:
        ordering = ["order", "title"]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("courses:syllabus", args=[self.slug])


class LessonQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published=True, course__published=True)


class Lesson(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="lessons")
    slug = models.SlugField()
    title = models.CharField(max_length=200)
    factor = models.PositiveSmallIntegerField(
        help_text="0 for lessons that are not about one factor (history, summary)."
    )
    summary = models.TextField(blank=True)
    objectives = models.JSONField(default=list, blank=True)
    minutes = models.PositiveSmallIntegerField(default=10, help_text="Reading time shown to learners.")
    order = models.PositiveIntegerField(default=0)
    html = models.TextField(help_text="Rendered by load_content; never edited by hand.")
    toc = models.JSONField(default=list, blank=True, help_text="Headings: [{id, name, level, children}].")
    toc_html = models.TextField(blank=True, help_text="The table of contents, rendered by load_content.")
    has_diagram = models.BooleanField(default=False)
    has_code = models.BooleanField(default=False)
    source_path = models.CharField(max_length=300, blank=True)
    source_hash = models.CharField(max_length=64, blank=True, help_text="Hash of the source and renderer version.")
    published = models.BooleanField(
        default=True, help_text="Lessons removed from content/ are unpublished, not deleted."
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = LessonQuerySet.as_manager()

    class Meta:
        ordering = ["course", "order"]
        constraints = [models.UniqueConstraint(fields=["course", "slug"], name="unique_lesson_slug_per_course")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("courses:lesson", args=[self.course.slug, self.slug])

    @property
    def anchors(self) -> set[str]:
        return toc_anchors(self.toc)


class LessonSection(models.Model):
    """A heading of a lesson and the plain text under it: the unit of search, linked by its anchor."""

    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="sections")
    anchor = models.CharField(max_length=200, blank=True)
    heading = models.CharField(max_length=300)
    text = models.TextField()
    order = models.PositiveIntegerField()

    class Meta:
        ordering = ["lesson", "order"]

    def __str__(self) -> str:
        return f"{self.lesson} › {self.heading}"


class LessonProgress(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="lesson_progress")
    lesson = models.ForeignKey(Lesson, on_delete=models.CASCADE, related_name="progress")
    completed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "lesson"], name="one_progress_row_per_user_lesson")]
        verbose_name_plural = "lesson progress"

    def __str__(self) -> str:
        return f"{self.user} finished {self.lesson}"


class GlossaryTerm(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="glossary_terms")
    slug = models.SlugField()
    term = models.CharField(max_length=100)
    definition_html = models.TextField()
    lessons = models.JSONField(default=list, blank=True, help_text="Slugs of lessons that explain the term.")
    # (title, url) of those lessons, set by courses.selectors.glossary_terms for the glossary page.
    lesson_links: list[tuple[str, str]]

    class Meta:
        ordering = ["term"]
        constraints = [models.UniqueConstraint(fields=["course", "slug"], name="unique_term_slug_per_course")]

    def __str__(self) -> str:
        return self.term

"""Reads that cross relations: quizzes for lessons, learners' attempts and counted scores."""

from collections.abc import Collection

from django.core.cache import cache
from django.db.models import Count, Max, OuterRef, Q, Subquery

from config.reader_pages import reader_generation_key
from config.reader_prefetch import reader_get_many
from courses.models import Course, Lesson
from courses.release import VERSION_KEY
from quizzes.models import Answer, Attempt, AttemptItem, Quiz
from quizzes.presentation import lesson_url
from quizzes.release_versions import question_versions


def quiz_for_lesson(lesson: Lesson) -> Quiz | None:
    return Quiz.objects.published().filter(lesson=lesson).select_related("course").first()


def lesson_quizzes(course: Course) -> dict[int, Quiz]:
    """For the syllabus: lesson id → that lesson's published quiz."""
    quizzes = Quiz.objects.published().filter(course=course, lesson__isnull=False).only("slug", "title", "lesson_id")
    for quiz in quizzes:
        quiz.course = course  # spare get_absolute_url a query each
    return {quiz.lesson_id: quiz for quiz in quizzes}


def quiz_get(*, course_slug: str, quiz_slug: str) -> Quiz | None:
    return (
        Quiz.objects.published()
        .select_related("course", "lesson")
        .filter(course__slug=course_slug, slug=quiz_slug)
        .first()
    )


def attempt_get(*, user, quiz: Quiz, number: int) -> Attempt | None:
    attempt = Attempt.objects.filter(user=user, quiz=quiz, scope="", number=number).first()
    if attempt is not None:
        attempt.quiz = quiz
    return attempt


def attempts_for(*, user, quiz: Quiz, scope: str = "") -> list[Attempt]:
    return list(Attempt.objects.filter(user=user, quiz=quiz, scope=scope).order_by("number"))


def attempt_items(*, attempt: Attempt) -> list[AttemptItem]:
    return list(attempt.items.select_related("version").order_by("position"))


def attempt_item(*, attempt: Attempt, position: int) -> AttemptItem | None:
    return attempt.items.select_related("version").filter(position=position).first()


def attempt_item_for_answer(
    *, user, course_slug: str, quiz_slug: str, number: int, position: int
) -> AttemptItem | None:
    """The item a learner is answering, with its version, attempt and quiz (the hot path): the attempt and which
    version sits at each position in one small entry of the shared cache while neither the learner nor the content
    changed (an attempt saved rewrites the learner's generation, config.reader_pages), else the attempt from one
    query; the versions themselves from this process's memory for the release (quizzes.release_versions).

    A cached attempt may say open when it was submitted a moment ago: every write re-reads that under a row lock
    (services.answer_save), so it is only ever shown, never trusted."""
    generation_key = reader_generation_key(user.pk)
    found = reader_get_many(user, [generation_key, VERSION_KEY])
    release = found.get(VERSION_KEY)
    key = None
    if generation_key in found and release is not None:
        key = f"quizzes:answering:{user.pk}:{found[generation_key]}:{release}:{course_slug}:{quiz_slug}:{number}"
    attempt = cache.get(key) if key else None
    if attempt is None:
        attempt = (
            Attempt.objects.select_related("quiz__course", "quiz__lesson")
            .defer("quiz__lesson__html", "quiz__lesson__toc", "quiz__lesson__toc_html")
            .filter(
                user=user,
                scope="",
                number=number,
                quiz__slug=quiz_slug,
                quiz__course__slug=course_slug,
                quiz__published=True,
                quiz__course__published=True,
            )
            .order_by()  # at most one row (unique per learner, quiz, scope and number): nothing to sort
            .first()
        )
        if attempt is None:
            return None
        # Stored with its item rows (kept on it): one round trip per answer reads both.
        if attempt_item_rows(attempt) and key:
            cache.set(key, attempt, timeout=ATTEMPT_ITEMS_TIMEOUT)
    return attempt_item_at(attempt=attempt, position=position, release=release)


# An attempt's items never change once it has started (a question edit makes a new version), so which version sits
# at each position is fetched once per attempt. Keyed by the attempt's id and its random seed: an id alone comes
# back after a database is reset while the cache lives on.
ATTEMPT_ITEMS_TIMEOUT = 6 * 3600


def attempt_items_key(attempt: Attempt) -> str:
    return f"quizzes:attempt-items:{attempt.pk}:{attempt.seed}"


def attempt_item_rows(attempt: Attempt) -> tuple[tuple[int, int, int], ...]:
    """(item id, position, version id) of each item of the attempt in order, from the shared cache after the first
    call (and kept on the attempt, so an attempt cached whole carries them). Empty while the attempt is being created
    (never remembered)."""
    if (rows := getattr(attempt, "_item_rows", None)) is not None:
        return rows
    rows = cache.get(attempt_items_key(attempt))
    if rows is None:
        items = AttemptItem.objects.filter(attempt=attempt).order_by("position")
        rows = tuple(items.values_list("pk", "position", "version_id"))
        if not rows:
            return ()
        cache.set(attempt_items_key(attempt), rows, timeout=ATTEMPT_ITEMS_TIMEOUT)
    attempt._item_rows = rows
    return rows


def attempt_item_at(*, attempt: Attempt, position: int, release: str | None = None) -> AttemptItem | None:
    """The attempt's item at `position`, with its version; `release`: the content version the request read, under
    which this process keeps the versions (None: read from the database). Only this one item is built: the others
    are known by their rows, though all their versions are read at once the first time (the learner answers them
    next)."""
    rows = attempt_item_rows(attempt)
    row = next((row for row in rows if row[1] == position), None)
    if row is None:
        return None
    pk, _, version_id = row
    versions = question_versions((version_id for _, _, version_id in rows), release=release)
    return AttemptItem(pk=pk, attempt=attempt, position=position, version=versions[version_id])


def attempt_progress(*, attempt: Attempt, answered: Collection[int]) -> list[tuple[int, bool]]:
    """(position, answered) for every question of the attempt, given the ids of the items answered."""
    return [(position, pk in answered) for pk, position, _ in attempt_item_rows(attempt)]


def attempt_answers(*, attempt: Attempt) -> dict[int, Answer]:
    """Answers of an attempt keyed by item id, with what showing, grading and changing them reads (the answer path
    reads them all on every answer; the rest of a row costs more to load than the query)."""
    answers = Answer.objects.filter(attempt=attempt).only("item_id", "given", "response", "credit")
    return {answer.item_id: answer for answer in answers}


def counted_score(*, attempts: list[Attempt], quiz: Quiz) -> float | None:
    scored = [a for a in attempts if a.score is not None]
    if not scored:
        return None
    if quiz.counts == Quiz.Counts.LAST:
        return max(scored, key=lambda a: a.number).score
    return max(a.score for a in scored if a.score is not None)


def quiz_score(*, user, quiz: Quiz) -> float | None:
    """The learner's score on a quiz as its policy counts it (best or last submitted attempt); None before any."""
    return counted_score(attempts=attempts_for(user=user, quiz=quiz), quiz=quiz)


def best_scores(*, user, course: Course) -> dict[int, float]:
    """For the syllabus: lesson id → the learner's percentage on that lesson's quiz, counted by the quiz's policy
    (best or last submitted attempt). Lessons whose quiz has no submitted attempt are absent. Quizzes without a
    lesson (the final bank) are not included, so lesson ids and quiz ids never share a key: use `quiz_score`."""
    if not user.is_authenticated:
        return {}
    submitted = Attempt.objects.filter(user=user, quiz=OuterRef("pk"), scope="", score__isnull=False)
    last_score = Subquery(submitted.order_by("-number").values("score")[:1])
    quizzes = (
        Quiz.objects.published()
        .filter(course=course, lesson__isnull=False)
        .annotate(
            best=Max(
                "attempts__score",
                filter=Q(attempts__user=user, attempts__scope="", attempts__score__isnull=False),
            ),
            last=last_score,
        )
        .values("lesson_id", "counts", "best", "last")
    )
    scores = {}
    for row in quizzes:
        value = row["last"] if row["counts"] == Quiz.Counts.LAST else row["best"]
        if value is not None:
            scores[row["lesson_id"]] = value
    return scores


def quiz_question_count(*, quiz: Quiz, per_factor: int | None = None) -> int:
    """Questions in one attempt: the whole quiz, or the per-factor draw of a bank (`per_factor` overrides its own)."""
    per_factor = per_factor if per_factor is not None else quiz.draw_per_factor
    if not per_factor:
        return quiz.questions.published().count()
    counts = (
        quiz.questions.published().values("current_version__factor").annotate(n=Count("pk")).values_list("n", flat=True)
    )
    return sum(min(n, per_factor) for n in counts)


def review_links(*, quiz: Quiz, items: list[AttemptItem], answers: dict[int, Answer]) -> list[dict]:
    """The lesson sections behind the questions the learner missed, in question order, each listed once."""
    missed = [item for item in items if item.pk not in answers or answers[item.pk].credit < 0.999]
    missed = [item for item in missed if item.version.lesson_slug]  # an imported question links to no lesson
    lessons = {
        lesson.slug: lesson
        for lesson in Lesson.objects.filter(course=quiz.course, slug__in={item.version.lesson_slug for item in missed})
    }
    links: dict[tuple[str, str], dict] = {}
    for item in missed:
        version = item.version
        key = (version.lesson_slug, version.anchor)
        if key not in links:
            lesson = lessons.get(version.lesson_slug)
            links[key] = {
                "url": lesson_url(quiz.course.slug, version.lesson_slug, version.anchor),
                "lesson": lesson.title if lesson else version.lesson_slug,
                "heading": heading_name(lesson, anchor=version.anchor) if lesson else version.anchor,
                "positions": [],
            }
        links[key]["positions"].append(item.position)
    return list(links.values())


def heading_name(lesson: Lesson, *, anchor: str) -> str:
    stack = list(lesson.toc)
    while stack:
        heading = stack.pop()
        if heading["id"] == anchor:
            return heading["name"]
        stack.extend(heading.get("children", []))
    return anchor

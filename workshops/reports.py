"""The cohort's analytics: gathers first attempts and latest lab scorecards, hands them to `analytics`, and shapes
the results for the page (tables and charts)."""

from dataclasses import dataclass, field

from config.charts import Bar, bar_chart
from labs.models import Submission
from quizzes.models import Answer, AttemptItem, Question, Quiz
from quizzes.types import REGISTRY
from workshops import analytics
from workshops.models import Cohort

# Types whose options a room picks from: the report charts how often each option was picked.
PICKABLE = {key for key, kind in REGISTRY.items() if kind.pickable}


@dataclass
class OptionRow:
    text: str
    rate: float
    correct: bool


@dataclass
class QuestionRow:
    number: int
    prompt: str
    type: str
    stats: analytics.QuestionStats
    options: list[OptionRow] = field(default_factory=list)


@dataclass
class QuizReport:
    quiz: Quiz
    attempts: int
    questions: list[QuestionRow]
    facility_chart: str = ""
    discrimination_chart: str = ""


def _options(definition: dict) -> tuple[list[str], list[bool]]:
    if definition["type"] == "true_false":
        return ["True", "False"], [definition["answer"] is True, definition["answer"] is False]
    options = definition.get("options", [])
    return [o["text"] for o in options], [bool(o.get("correct")) for o in options]


def _picks(version_type: str, response) -> list[int]:
    if version_type == "true_false":
        return [0 if response is True else 1] if isinstance(response, bool) else []
    if isinstance(response, list):
        return [i for i in response if isinstance(i, int)]
    return [response] if isinstance(response, int) and not isinstance(response, bool) else []


def _prompt(definition: dict, limit: int = 90) -> str:
    text = " ".join(str(definition.get("prompt", "")).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def quiz_reports(*, cohort: Cohort) -> list[QuizReport]:
    member_ids = list(cohort.memberships.values_list("user_id", flat=True))
    items = (
        AttemptItem.objects.filter(
            attempt__user_id__in=member_ids,
            attempt__quiz__course=cohort.course,
            attempt__scope="",  # the learner's own attempts, not those taken inside a team assessment
            attempt__number=1,
            attempt__submitted_at__isnull=False,
        )
        .select_related("version")
        .values_list("attempt_id", "attempt__quiz_id", "pk", "version__question_id", "version__type")
    )
    answers = {
        item_id: (credit, response)
        for item_id, credit, response in Answer.objects.filter(
            attempt__user_id__in=member_ids, attempt__scope="", attempt__number=1, attempt__quiz__course=cohort.course
        ).values_list("item_id", "credit", "response")
    }
    by_quiz: dict[int, dict[int, dict[str, float]]] = {}
    responses: dict[int, list] = {}
    for attempt_id, quiz_id, item_id, question_id, kind in items:
        credit, response = answers.get(item_id, (0.0, None))
        by_quiz.setdefault(quiz_id, {}).setdefault(attempt_id, {})[str(question_id)] = credit
        if kind in PICKABLE and item_id in answers:
            responses.setdefault(question_id, []).append(_picks(kind, response))
    quizzes = Quiz.objects.filter(pk__in=by_quiz).select_related("course").order_by("order", "slug")
    questions = {
        q.pk: q for q in Question.objects.filter(quiz__in=quizzes).select_related("current_version").order_by("order")
    }
    reports = []
    for quiz in quizzes:
        attempts = list(by_quiz[quiz.pk].values())
        stats = analytics.question_stats(attempts)
        rows = []
        for number, question in enumerate((q for q in questions.values() if q.quiz_id == quiz.pk), start=1):
            if str(question.pk) not in stats:
                continue
            definition = question.current_version.definition
            row = QuestionRow(number, _prompt(definition), definition["type"], stats[str(question.pk)])
            if definition["type"] in PICKABLE:
                texts, correct = _options(definition)
                rates = analytics.pick_rates(responses.get(question.pk, []), len(texts))
                row.options = [OptionRow(t, r, c) for t, r, c in zip(texts, rates, correct, strict=True)]
            rows.append(row)
        report = QuizReport(quiz, len(attempts), rows)
        report.facility_chart = bar_chart(
            title=f"Facility, {quiz.title}",
            desc="Share of learners answering each question fully correctly on their first attempt.",
            bars=[Bar(f"Q{r.number}", r.stats.facility, _percent(r.stats.facility)) for r in rows],
        )
        report.discrimination_chart = bar_chart(
            title=f"Discrimination, {quiz.title}",
            desc="Item-rest correlation of each question, from -1 to 1; higher separates strong from weak learners.",
            bars=[Bar(f"Q{r.number}", r.stats.discrimination, _signed(r.stats.discrimination)) for r in rows],
            low=-1.0,
        )
        reports.append(report)
    return reports


@dataclass
class CheckRow:
    stats: analytics.CheckStats
    title: str


@dataclass
class LabReport:
    title: str
    learners: int
    checks: list[CheckRow]
    chart: str = ""


def lab_reports(*, cohort: Cohort) -> list[LabReport]:
    """Per lab, each member's latest graded submission."""
    from labs.grading.checks import REGISTRY

    member_ids = list(cohort.memberships.values_list("user_id", flat=True))
    latest: dict[tuple[int, int], list[dict]] = {}
    titles: dict[int, str] = {}
    graded = (
        Submission.objects.filter(user_id__in=member_ids, lab__course=cohort.course, scorecard__isnull=False)
        .order_by("lab__order", "created_at")
        .values_list("lab_id", "lab__title", "user_id", "scorecard__checks")
    )
    for lab_id, title, user_id, checks in graded:
        latest[(lab_id, user_id)] = checks  # later rows overwrite earlier ones
        titles[lab_id] = title
    reports = []
    for lab_id, title in titles.items():
        cards = [checks for (lab, _), checks in latest.items() if lab == lab_id]
        rows = [CheckRow(s, REGISTRY[s.id].title if s.id in REGISTRY else s.id) for s in analytics.check_stats(cards)]
        report = LabReport(title, len(cards), rows)
        report.chart = bar_chart(
            title=f"Check pass rates, {title}",
            desc="Share of learners whose latest graded submission passes each check, weakest first.",
            bars=[Bar(r.stats.id.split(".")[-1], r.stats.pass_rate, _percent(r.stats.pass_rate)) for r in rows],
        )
        reports.append(report)
    return reports


def _percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.0f}%"


def _signed(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.2f}"

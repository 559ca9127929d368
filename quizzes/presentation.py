"""What a template may show of a question, built in Python so templates only display.

`question_view(..., reveal=False)` copies nothing from the answer key: no correct flag, no feedback, no explanation,
no accepted answer. Only with `reveal=True` (after the answer is graded, per the quiz's feedback policy) are the key,
the feedback and the explanation added.
"""

from quizzes.models import Answer, Attempt, AttemptItem, Quiz
from quizzes.types import question_type
from quizzes.types.base import QuestionView, Shown

__all__ = ["QuestionView", "question_view", "should_reveal"]


def lesson_url(course_slug: str, lesson_slug: str, anchor: str) -> str:
    return f"/courses/{course_slug}/{lesson_slug}/#{anchor}"


def outcome_of(credit: float) -> str:
    if credit >= 0.999:
        return "correct"
    return "partial" if credit > 0 else "incorrect"


def should_reveal(quiz: Quiz, attempt: Attempt, answer: Answer | None) -> bool:
    if attempt.submitted_at is not None:
        return True
    return answer is not None and quiz.feedback == Quiz.Feedback.IMMEDIATE


def question_view(
    *,
    quiz: Quiz,
    attempt: Attempt,
    item: AttemptItem,
    total: int,
    answer: Answer | None,
    reveal: bool,
    editable: bool,
    error: str = "",
    locked: bool = False,
    action: str = "",
) -> QuestionView:
    """`action`: where an editable question posts its answer (the answer flow's URL for it)."""
    version = item.version
    definition = version.definition
    rendered = version.rendered
    response = answer.response if answer is not None else None
    kind = version.type
    qtype = question_type(kind)
    view = QuestionView(
        position=item.position,
        total=total,
        type=kind,
        type_label=qtype.label,
        template=qtype.template,
        prompt_html=rendered["prompt"],
        points=version.points,
        action=action,
        answered=answer is not None,
        editable=editable and not (reveal and answer is not None),
        revealed=reveal,
        error=error,
        locked=locked,
        text_input=qtype.text_input,
    )
    shown = Shown(
        attempt=attempt,
        version=version,
        definition=definition,
        rendered=rendered,
        answer=answer,
        response=response,
        reveal=reveal,
        shuffle_options=quiz.shuffle_options,
    )
    qtype.present(view, shown)
    if reveal and answer is not None:
        view.credit = answer.credit
        view.outcome = outcome_of(answer.credit)
    if reveal:
        view.explanation_html = rendered["explanation"]
        if version.lesson_slug:  # an imported question links to no lesson
            view.lesson_url = lesson_url(quiz.course.slug, version.lesson_slug, version.anchor)
    return view

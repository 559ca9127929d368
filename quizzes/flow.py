"""The answer flow: the one way an attempt is taken, shared by practice quizzes and team assessments.

A page owns its URLs and its header; this module owns everything between: the attempt page's context, saving one
answer (htmx on change, or a plain post), and saving every answer a plain form posts with "Submit attempt". Each
question's fields are named `q<position>-<field>` so the whole attempt can be one form that works without JavaScript.
"""

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpResponse, HttpResponseBadRequest, QueryDict
from django.shortcuts import redirect, render
from django.utils.html import escape
from django.utils.safestring import SafeString
from django_htmx.http import HttpResponseClientRedirect

from config.http import AuthenticatedHttpRequest, HtmxHttpRequest
from quizzes import selectors, services
from quizzes.models import Answer, Attempt, AttemptItem, Quiz
from quizzes.presentation import QuestionView, question_view
from quizzes.responses import IncompleteAnswer, TamperedAnswer, parse_answer
from quizzes.types.base import QuestionStatus, question_dom_id

PREFIXED = re.compile(r"^q(\d+)-(.+)$")


@dataclass(frozen=True)
class AnswerFlow:
    """One attempt as a page takes it: where it lives, where it answers, and whether it shows feedback as it goes."""

    attempt: Attempt
    quiz: Quiz
    template: str  # the page; it includes the flow's partials from quizzes/answer_flow.html
    page_url: str
    submit_url: str
    closed_url: str  # where a learner goes once the attempt is closed (submitted or out of time)
    answer_url: Callable[[int], str]
    reveal_as_you_go: bool  # practice with immediate feedback; an assessment never reveals while open
    one_at_a_time: bool = False
    page_context: dict[str, Any] = field(default_factory=dict)

    @property
    def autosave(self) -> bool:
        """Save on change only where saving shows nothing: with feedback as you go, saving is "Check answer"."""
        return not self.reveal_as_you_go

    def question_url(self, position: int) -> str:
        query = f"?q={position}" if self.one_at_a_time else ""
        return f"{self.page_url}{query}#{question_dom_id(position)}"


def question_fields(data: QueryDict, position: int) -> QueryDict:
    """One question's fields out of the whole attempt's form: `q3-answer` becomes `answer` for question 3. Bare
    names (a client posting one question alone) pass through; another question's fields are dropped."""
    fields = QueryDict(mutable=True)
    for key in data:
        match = PREFIXED.match(key)
        if match is None:
            fields.setlist(key, data.getlist(key))
        elif int(match.group(1)) == position:
            fields.setlist(match.group(2), data.getlist(key))
    return fields


def posted_for(data: QueryDict, position: int) -> bool:
    """Whether the form carried anything for this question (a disabled, already answered question posts nothing)."""
    prefix = f"q{position}-"
    return any(key.startswith(prefix) and any(data.getlist(key)) for key in data)


def answers_save_posted(*, attempt: Attempt, data: QueryDict) -> int:
    """Save every question the form carries an answer for: the plain, no-JavaScript "Submit attempt" loses nothing.
    An incomplete or impossible answer is skipped (the others still count); returns how many were saved or kept."""
    saved = 0
    for item in selectors.attempt_items(attempt=attempt):
        if not posted_for(data, item.position):
            continue
        try:
            parsed = parse_answer(attempt=attempt, version=item.version, data=question_fields(data, item.position))
            services.answer_save(attempt=attempt, item=item, given=parsed.given, response=parsed.response)
        except (IncompleteAnswer, TamperedAnswer):
            continue
        except services.AttemptClosed:
            break
        saved += 1
    return saved


# One step of the progress nav (quizzes/answer_flow.html's `progress` partial), filled in Python: every answer sends
# the whole nav back, and the template engine's loop over the steps took most of an answer's rendering (about half a
# millisecond for 24 questions; this, a twentieth of it). The output is byte for byte what the template loop gave.
PROGRESS_STEP = (
    '\n      <li><a href="{url}" class="quiz-step{answered_class}"{current}>'
    '\n        <span class="visually-hidden">Question </span>{position}<span class="visually-hidden">{state}</span>'
    "\n      </a></li>\n    "
)


def progress_steps(flow: AnswerFlow, rows: list[tuple[int, bool]], current: int | None) -> SafeString:
    """The nav's list items, one per question: a link to it, marked answered or not (and current, one at a time)."""
    page_url = escape(flow.page_url)
    return SafeString(
        "".join(
            PROGRESS_STEP.format(
                url=f"{page_url}?q={position}" if flow.one_at_a_time else f"#{question_dom_id(position)}",
                answered_class=" is-answered" if answered else "",
                current=' aria-current="step"' if flow.one_at_a_time and position == current else "",
                position=position,
                state=", answered" if answered else ", not answered",
            )
            for position, answered in rows
        )
    )


def flow_question(
    flow: AnswerFlow, item: AttemptItem, *, total: int, answer: Answer | None, error: str = "", locked: bool = False
) -> QuestionView:
    return question_view(
        quiz=flow.quiz,
        attempt=flow.attempt,
        item=item,
        total=total,
        answer=answer,
        reveal=flow.reveal_as_you_go and answer is not None,
        editable=True,
        error=error,
        locked=locked,
        action=flow.answer_url(item.position),
    )


def base_context(flow: AnswerFlow, rows: list[tuple[int, bool]], current: int | None) -> dict:
    total = len(rows)
    answered = sum(done for _, done in rows)
    next_position = current + 1 if flow.one_at_a_time and current is not None and current < total else None
    return {
        **flow.page_context,
        "quiz": flow.quiz,
        "attempt": flow.attempt,
        "flow": flow,
        "progress": progress_steps(flow, rows, current),
        "answered_count": answered,
        "unanswered_count": total - answered,
        "total": total,
        "current": current,
        "one_at_a_time": flow.one_at_a_time,
        "next_position": next_position,
        "submit_url": flow.submit_url,
    }


def page_context(
    flow: AnswerFlow, current: int | None, *, error_item: AttemptItem | None = None, error: str = "", locked=False
) -> dict:
    items = selectors.attempt_items(attempt=flow.attempt)
    answers = selectors.attempt_answers(attempt=flow.attempt)
    if current is None:
        current = next((item.position for item in items if item.pk not in answers), 1)
    current = min(max(current, 1), max(len(items), 1))
    shown = [item for item in items if item.position == current] if flow.one_at_a_time else items
    context = base_context(flow, [(item.position, item.pk in answers) for item in items], current)
    context["questions"] = [
        flow_question(
            flow,
            item,
            total=len(items),
            answer=answers.get(item.pk),
            error=error if item == error_item else "",
            locked=locked and item == error_item,
        )
        for item in shown
    ]
    context["previous_url"] = f"{flow.page_url}?q={current - 1}" if flow.one_at_a_time and current > 1 else ""
    return context


def render_page(request: HtmxHttpRequest, flow: AnswerFlow, current: int | None, **errors) -> HttpResponse:
    status = 422 if errors.get("error") else 200
    return render(request, flow.template, page_context(flow, current, **errors), status=status)


def closed(request: HtmxHttpRequest, flow: AnswerFlow) -> HttpResponse:
    return HttpResponseClientRedirect(flow.closed_url) if request.htmx else redirect(flow.closed_url)


def answer_post(request: AuthenticatedHttpRequest, flow: AnswerFlow, item: AttemptItem) -> HttpResponse:
    """Save one answer. htmx gets the question's saved state (or, with feedback as you go, the question checked);
    a plain post goes back to the page, or on to the next question when "Next question" posted it."""
    attempt = flow.attempt
    if not services.answer_rate_allowed(user_id=request.user.pk):
        return HttpResponse("Too many answers in a minute: wait a moment and try again.", status=429)
    if not services.attempt_is_open(attempt):
        return closed(request, flow)
    last = len(selectors.attempt_item_rows(attempt))
    moving_on = request.POST.get("then") == "next"
    if moving_on and not posted_for(request.POST, item.position):
        # Nothing to save (nothing chosen, or the answer is already checked and its fields disabled): move on.
        return redirect(flow.question_url(min(item.position + 1, last)))
    error = ""
    result = None
    try:
        parsed = parse_answer(attempt=attempt, version=item.version, data=question_fields(request.POST, item.position))
        result = services.answer_save(attempt=attempt, item=item, given=parsed.given, response=parsed.response)
    except TamperedAnswer:
        return HttpResponseBadRequest("This answer does not belong to the question.")
    except IncompleteAnswer as incomplete:
        error = str(incomplete)  # a half-finished answer is shown back, not dropped, even on "Next question"
    except services.AttemptClosed:
        return closed(request, flow)
    if request.htmx:
        # What is answered as of this save (read under the attempt's lock): a page saving several questions at once
        # sends them together, and the progress each response shows must count the others saved meanwhile (the
        # last one to arrive is what stays).
        if result is not None:
            return answered_response(request, flow, item, result.answer, result.answered, locked=result.locked)
        answers = selectors.attempt_answers(attempt=attempt)  # nothing saved: the answer as it stands
        return answered_response(request, flow, item, answers.get(item.pk), answers.keys(), error=error)
    if error:
        return render_page(request, flow, item.position, error_item=item, error=error)
    # With feedback as you go the learner stays to read it; otherwise one-at-a-time moves on to the next question.
    stay = not moving_on and (flow.reveal_as_you_go or not flow.one_at_a_time)
    show = item.position if stay else min(item.position + 1, last)
    return redirect(flow.question_url(show))


def answered_response(
    request: HtmxHttpRequest,
    flow: AnswerFlow,
    item: AttemptItem,
    saved: Answer | None,
    answered: Collection[int],
    *,
    locked: bool = False,
    error: str = "",
) -> HttpResponse:
    """`saved`: the question's answer as it now stands; `answered`: the ids of the attempt's answered items."""
    rows = selectors.attempt_progress(attempt=flow.attempt, answered=answered)
    context = base_context(flow, rows, item.position)
    # A save on change swaps only the question's status line, so focus and the learner's typing stay put.
    status = QuestionStatus(item.position, answered=saved is not None, error=error, locked=locked)
    if request.htmx.target == f"{status.dom_id}-status":
        context["question"] = status
        return render(request, "quizzes/answer_flow.html#status_answered", context)
    context["question"] = flow_question(flow, item, total=len(rows), answer=saved, error=error, locked=locked)
    return render(request, "quizzes/answer_flow.html#answered", context)


def submit_post(request: HtmxHttpRequest, flow: AnswerFlow) -> None:
    """Save what the form carries, then the caller scores the attempt with its own service."""
    if services.attempt_is_open(flow.attempt):
        answers_save_posted(attempt=flow.attempt, data=request.POST)

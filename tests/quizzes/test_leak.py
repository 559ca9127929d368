"""Nothing leaks: every question of every quiz in content/, rendered before it is answered, carries no part of its
answer key, no feedback and no explanation."""

import re
from html import unescape

import pytest
from django.utils.html import strip_tags

from quizzes import services
from quizzes.models import Quiz
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r"^[0-9a-f]{16}$")


def text_of(html: str) -> str:
    return " ".join(unescape(strip_tags(html)).split())


def assert_no_leak(page: str, version) -> None:
    definition, rendered = version.definition, version.rendered
    label = f"{version.question.quiz.slug}/{version.question.key}"
    section = page[page.index('<section class="question card"') : page.index("</section>")]
    visible = text_of(section)
    prompt = text_of(rendered["prompt"])
    secrets = [rendered["explanation"], text_of(rendered["explanation"])]
    secrets += [f for f in rendered.get("feedback", []) if f] if isinstance(rendered.get("feedback"), list) else []
    secrets += (
        [f for f in (rendered.get("feedback") or {}).values() if f]
        if isinstance(rendered.get("feedback"), dict)
        else []
    )
    secrets += list(rendered.get("line_feedback", {}).values())
    for secret in filter(None, secrets):
        assert secret not in section and text_of(secret) not in visible, f"{label}: leaks {secret[:60]!r}"
    assert not re.search(r"<[^>]*\bcorrect", section, re.IGNORECASE), f"{label}: a correct flag in markup"
    for marker in ("is-key", "is-wrong", "tag-key", "Correct answer", "Belongs at", "Accepted", "Violation", "outcome"):
        assert marker not in section, f"{label}: {marker}"
    for accepted in definition.get("accepted", []):
        if accepted.lower() not in prompt.lower():
            assert accepted.lower() not in visible.lower(), f"{label}: accepted answer shown"
    values = re.findall(r'name="q\d+-(?:answer|match-[0-9a-f]+)" value="([^"]*)"', section)
    values += re.findall(r'<option value="([0-9a-f]*)"', section)
    if version.type in {"single", "multiple", "matching"}:
        assert values and all(TOKEN.match(v) for v in values if v), f"{label}: option ids {values}"
    if version.type == "ordering":
        shown = [text_of(m) for m in re.findall(r'class="ordering-text"[^>]*>(.*?)</span>', section, re.DOTALL)]
        assert sorted(shown) == sorted(text_of(i) for i in rendered["items"])
        assert shown != [text_of(i) for i in rendered["items"]], f"{label}: items shown in the right order"
        names = re.findall(r'name="q\d+-position-([0-9a-f]+)"', section)
        assert len(names) == len(shown) and all(TOKEN.match(n) for n in names)
    if version.type == "matching":
        shown = [text_of(o) for o in re.findall(r'<option value="[0-9a-f]{16}">(.*?)</option>', section)]
        plain = rendered["right_plain"]
        assert shown[: len(plain)] != plain, f"{label}: right-hand side in the pairs' order"
    if version.type == "spot":
        assert "checked" not in section


def test_no_question_in_content_leaks_its_answer_before_it_is_answered(content_course, client):
    learner = UserFactory(username="leak-tester")
    client.force_login(learner)
    checked = 0
    for quiz in Quiz.objects.published().filter(course=content_course):
        # Every question of the bank, not just one attempt's draw.
        quiz.draw_per_factor = None
        quiz.save(update_fields=["draw_per_factor"])
        attempt = services.attempt_start(user=learner, quiz=quiz)
        assert attempt.items.count() == quiz.questions.published().count()
        base = f"/courses/{content_course.slug}/quizzes/{quiz.slug}/attempts/{attempt.number}/"
        for item in attempt.items.select_related("version__question__quiz"):
            page = client.get(f"{base}?q={item.position}").content.decode()
            assert_no_leak(page, item.version)
            checked += 1
    assert checked >= 13 * 8 + 60

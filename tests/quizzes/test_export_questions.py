import io

import pytest
from django.core.management import CommandError, call_command
from pygiftparser import parser

from quizzes.models import Question


@pytest.mark.django_db
def test_export_questions_all_writes_every_published_question_or_reports_it(content_course, tmp_path):
    output = tmp_path / "all.gift"
    stdout, stderr = io.StringIO(), io.StringIO()

    call_command("export_questions", "--all", "-o", str(output), stdout=stdout, stderr=stderr)

    parsed = parser.parseFile(io.StringIO(output.read_text()))
    skipped = stderr.getvalue().splitlines()
    published = Question.objects.filter(published=True, quiz__course=content_course).count()
    assert parsed and skipped
    assert len(parsed) + len(skipped) == published
    assert all(line.startswith("not exported: ") for line in skipped)
    assert f"{len(parsed)} questions written" in stdout.getvalue()


@pytest.mark.django_db
def test_export_questions_unknown_quiz_is_an_error(content_course, tmp_path):
    with pytest.raises(CommandError, match="no quiz"):
        call_command("export_questions", "--quiz", "no-such-quiz", "-o", str(tmp_path / "x.gift"))


@pytest.mark.django_db
def test_staff_downloads_a_quiz_as_gift_with_the_report_as_comments(content_course, client, django_user_model):
    client.force_login(django_user_model.objects.create_user("staff", is_staff=True))

    response = client.get(f"/courses/{content_course.slug}/quizzes/final/export.gift")

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="final.gift"'
    text = response.content.decode()
    assert "// not exported: " in text
    parsed = parser.parseFile(io.StringIO(text))
    assert len(parsed) == Question.objects.filter(quiz__slug="final", published=True).count() - text.count(
        "// not exported: "
    )


@pytest.mark.django_db
def test_learner_cannot_download_a_quiz_export(content_course, client, django_user_model):
    client.force_login(django_user_model.objects.create_user("learner"))

    response = client.get(f"/courses/{content_course.slug}/quizzes/final/export.gift")

    assert response.status_code == 302
    assert "export.gift" not in response.get("Location", "").split("?")[0]

import io
import zipfile

import pytest
from django.core.management import CommandError, call_command

from quizzes.exchange import FORMATS
from quizzes.exchange.qti import REPORT_NAME
from quizzes.models import Question
from tests.factories import UserFactory


@pytest.mark.django_db
@pytest.mark.parametrize("key", sorted(FORMATS))
def test_export_questions_writes_every_published_question_or_reports_it(content_course, tmp_path, key):
    output = tmp_path / f"all.{key}"
    stdout, stderr = io.StringIO(), io.StringIO()

    call_command("export_questions", "--format", key, "-o", str(output), stdout=stdout, stderr=stderr)

    read = FORMATS[key].read(output.read_bytes(), output.name)
    lines = stderr.getvalue().splitlines()
    skipped = [line for line in lines if line.startswith("not exported: ")]
    published = Question.objects.filter(published=True, quiz__course=content_course, quiz__published=True).count()
    assert read and skipped
    assert all(line.startswith(("not exported: ", "exported with a change: ")) for line in lines)
    assert len(read) + len(skipped) == published
    assert f"{len(read)} questions written" in stdout.getvalue()


@pytest.mark.django_db
def test_export_questions_one_quiz_carries_the_factor(content_course, tmp_path):
    output = tmp_path / "final.zip"

    call_command("export_questions", "--format", "qti", "--quiz", "final", "-o", str(output), stderr=io.StringIO())

    read = FORMATS["qti"].read(output.read_bytes(), output.name)
    assert {q.definition["factor"] for q in read} == set(range(1, 13))
    assert {q.path.split("/")[1].split(".")[0] for q in read} == {"final"}


@pytest.mark.django_db
def test_export_questions_unknown_quiz_is_an_error(content_course, tmp_path):
    with pytest.raises(CommandError, match="no quiz"):
        call_command("export_questions", "--quiz", "no-such-quiz", "-o", str(tmp_path / "x.gift"))


@pytest.mark.django_db
def test_staff_downloads_a_quiz_as_gift_with_the_report_as_comments(content_course, client):
    client.force_login(UserFactory(is_staff=True))

    response = client.get(f"/courses/{content_course.slug}/quizzes/final/export/gift/")

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="final-gift.gift"'
    text = response.content.decode()
    assert "// not exported: final/" in text
    read = FORMATS["gift"].read(response.content, "final.gift")
    published = Question.objects.filter(quiz__slug="final", published=True).count()
    assert len(read) == published - text.count("// not exported: ")


@pytest.mark.django_db
def test_staff_downloads_a_quiz_as_a_qti_package_with_its_report(content_course, client):
    client.force_login(UserFactory(is_staff=True))

    response = client.get(f"/courses/{content_course.slug}/quizzes/final/export/qti/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert "imsmanifest.xml" in archive.namelist()
        assert "not exported: final/" in archive.read(REPORT_NAME).decode()


@pytest.mark.django_db
def test_export_in_an_unknown_format_is_not_found(content_course, client):
    client.force_login(UserFactory(is_staff=True))

    assert client.get(f"/courses/{content_course.slug}/quizzes/final/export/docx/").status_code == 404


@pytest.mark.django_db
def test_learner_cannot_download_a_quiz_export(content_course, client):
    client.force_login(UserFactory())

    response = client.get(f"/courses/{content_course.slug}/quizzes/final/export/gift/")

    assert response.status_code == 302
    assert "/export/" not in response.get("Location", "").split("?")[0]

"""An organisation's imported question banks: the service (round trip of the real bank through the database, nothing
saved on error, sanitised text), the upload page (admins only, CSRF, size cap, bad lines listed) and assessments
drawing from a bank."""

import io
import zipfile
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from content_loading.loader import load_content
from courses.content.errors import ContentError
from courses.models import Course
from quizzes.exchange import FORMATS
from quizzes.exchange.export import quiz_bank, quizzes_export
from quizzes.exchange.imports import MAX_UPLOAD_BYTES
from quizzes.models import Question, Quiz
from quizzes.types import question_type
from teams import services
from teams.forms import AssessmentForm
from teams.models import Assessment, QuestionPool
from tests.conftest import CONTENT_DIR
from tests.quizzes.test_exchange import expected
from tests.quizzes.test_exchange_qti import package, rezip
from tests.teams.conftest import correct_response

pytestmark = pytest.mark.django_db

BAD_GIFT = b"""::ok::Twelve factors? {T}

::broken::Where does config live? {
=In the environment
~In a file
=In the code
}

::fine::Stateless? {TRUE}
"""


def import_pool(organisation, admin, course, data: bytes, filename="bank.gift", format="gift") -> QuestionPool:
    return services.pool_import(
        organisation=organisation,
        course=course,
        title="Our bank",
        data=data,
        filename=filename,
        format=format,
        created_by=admin,
    )


@pytest.mark.parametrize("key", sorted(FORMATS))
def test_final_bank_round_trips_through_an_organisations_pool(organisation, admin, final_bank, key):
    data, report = quizzes_export(quizzes=[final_bank], format=key)

    pool = import_pool(organisation, admin, final_bank.course, data, f"final.{FORMATS[key].extension}", key)

    skipped = {s.key for s in report.skipped}
    originals = [q for q in quiz_bank(final_bank).questions if q["id"] not in skipped]
    imported = list(pool.quiz.questions.order_by("order").select_related("current_version"))
    assert len(imported) == len(originals) == report.exported
    for original, question in zip(originals, imported, strict=True):
        version = question.current_version
        assert version.definition == expected(original, key), original["id"]
        assert (version.type, version.factor, version.lesson_slug) == (original["type"], original["factor"], "")
    assert not pool.quiz.published
    assert pool.quiz not in Quiz.objects.published()


def test_load_content_leaves_an_imported_pool_alone(organisation, admin, final_bank):
    pool = import_pool(organisation, admin, final_bank.course, b"::a::Stateless? {T}\n\n::b::Name it {=config}\n")

    load_content(CONTENT_DIR)

    pool.quiz.refresh_from_db()
    assert not pool.quiz.published
    assert list(pool.quiz.questions.published().values_list("key", flat=True)) == ["a", "b"]


def test_assessment_draws_per_factor_from_an_imported_pool_and_grades_it(organisation, admin, member, final_bank):
    data, _ = quizzes_export(quizzes=[final_bank], format="gift")
    pool = import_pool(organisation, admin, final_bank.course, data)
    assessment = services.assessment_create(
        organisation=organisation,
        created_by=admin,
        title="From our bank",
        deadline=timezone.now() + timedelta(days=3),
        pass_mark=70,
        attempts_allowed=1,
        time_limit_minutes=None,
        feedback=Assessment.Feedback.AFTER_SUBMIT,
        quizzes=[(pool.quiz, 1)],
    )
    assignment = services.assignment_create(assessment=assessment, user=member)

    attempt = services.assessment_attempt_start(assignment=assignment, part=assessment.parts.get())

    factors = [item.version.factor for item in attempt.items.select_related("version")]
    assert sorted(factors) == sorted(set(factors)) and len(factors) >= 10
    for item in attempt.items.select_related("version"):
        version = item.version
        assert question_type(version.type).grade(version.definition, correct_response(version)) == 1


def test_a_bad_file_names_its_lines_and_saves_nothing(organisation, admin, final_bank):
    quizzes, questions = Quiz.objects.count(), Question.objects.count()

    with pytest.raises(ContentError) as caught:
        import_pool(organisation, admin, final_bank.course, BAD_GIFT)

    [problem] = caught.value.problems
    assert (str(problem.path), problem.line) == ("bank.gift", 6)
    assert "several answers marked =" in problem.message
    assert (Quiz.objects.count(), Question.objects.count(), QuestionPool.objects.count()) == (quizzes, questions, 0)


def test_a_question_its_type_rejects_is_reported_with_its_line(organisation, admin, final_bank):
    gift = b"::one::Stateless? {T}\n\n::twice::Pick one {=same ~same}\n"

    with pytest.raises(ContentError) as caught:
        import_pool(organisation, admin, final_bank.course, gift)

    [problem] = caught.value.problems
    assert problem.line == 3
    assert problem.message == "question 'twice': option 2: the same text appears twice"
    assert not QuestionPool.objects.exists()


def test_imported_text_is_sanitised(organisation, admin, final_bank):
    gift = (
        b"::xss::<script>alert(1)</script> [click](javascript:alert(2)) <img src=x onerror=alert(3)> "
        b"{=safe#<b onclick\\=alert(4)>ok</b> ~unsafe ####<iframe src\\=//evil></iframe>fine}\n"
    )

    pool = import_pool(organisation, admin, final_bank.course, gift)

    rendered = str(pool.quiz.questions.get().current_version.rendered)
    for unsafe in ("<script", "javascript:", "onerror", "onclick", "<iframe"):
        assert unsafe not in rendered


@pytest.fixture
def import_url(organisation):
    return reverse("teams:pool_import", args=[organisation.public_id])


def upload(data: bytes, name="bank.gift"):
    course = Course.objects.get(slug="twelve-factor")
    return {"title": "Moodle bank", "format": "gift", "course": course.pk, "file": SimpleUploadedFile(name, data)}


def test_admin_imports_a_gift_file_and_sees_the_bank(client, admin, organisation, import_url, course_content):
    client.force_login(admin)
    assert client.get(import_url).status_code == 200

    response = client.post(import_url, upload(b"::a::Stateless? {T}\n\n::b::Name the factor {=config}\n"))

    assert response.status_code == 302
    pool = QuestionPool.objects.get(organisation=organisation)
    assert pool.quiz.questions.count() == 2
    page = client.get(organisation.get_absolute_url()).content.decode()
    assert "Moodle bank" in page and "2 questions from bank.gift" in page


def test_upload_with_bad_lines_lists_them_and_saves_nothing(client, admin, import_url, course_content):
    client.force_login(admin)

    response = client.post(import_url, upload(BAD_GIFT))

    assert response.status_code == 422
    assert "bank.gift:6: several answers marked =" in response.content.decode()
    assert not QuestionPool.objects.exists()


def test_upload_over_the_size_cap_is_refused(client, admin, import_url, course_content):
    client.force_login(admin)

    response = client.post(import_url, upload(b"x" * (MAX_UPLOAD_BYTES + 1)))

    assert response.status_code == 422
    assert "larger than" in response.content.decode()
    assert not QuestionPool.objects.exists()


def test_upload_needs_the_csrf_token(admin, import_url, course_content):
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)

    assert client.post(import_url, upload(b"::a::Stateless? {T}\n")).status_code == 403
    assert not QuestionPool.objects.exists()


def test_only_the_organisations_admins_reach_the_upload(client, member, outsider, import_url, course_content):
    assert client.get(import_url).status_code == 302  # to log in
    for user in (member, outsider):
        client.force_login(user)
        assert client.get(import_url).status_code == 404
        assert client.post(import_url, upload(b"::a::Stateless? {T}\n")).status_code == 404
    assert not QuestionPool.objects.exists()


def test_assessment_form_offers_the_organisations_own_banks_only(organisation, admin, outsider, final_bank):
    ours = import_pool(organisation, admin, final_bank.course, b"::a::Ours? {T}\n")
    theirs = import_pool(
        outsider.team_memberships.get().organisation, outsider, final_bank.course, b"::a::Theirs? {T}\n"
    )

    choices = AssessmentForm(organisation=organisation).fields["quizzes"].queryset

    assert ours.quiz in choices and final_bank in choices
    assert theirs.quiz not in choices


def test_a_bad_qti_package_names_the_file_and_line_and_saves_nothing(organisation, admin, final_bank):
    data = package()
    item = (
        zipfile.ZipFile(io.BytesIO(data)).read("items/quiz.env.xml").replace(b"<value>C1</value>", b"<value>C9</value>")
    )

    with pytest.raises(ContentError) as caught:
        import_pool(organisation, admin, final_bank.course, rezip(data, **{"items/quiz.env.xml": item}), "b.zip", "qti")

    [problem] = caught.value.problems
    assert str(problem.path) == "items/quiz.env.xml" and problem.line
    assert "unknown choices: ['C9']" in problem.message
    assert not QuestionPool.objects.exists()

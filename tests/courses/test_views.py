import re

import pytest

from courses.models import Lesson
from courses.release import content_version_bump
from tests.factories import MembershipFactory, OrganisationFactory, ScorecardFactory, SubmissionFactory, UserFactory

pytestmark = pytest.mark.django_db

LESSON_SLUGS = [
    "history", "codebase", "dependencies", "config", "backing-services", "build-release-run", "processes",
    "port-binding", "concurrency", "disposability", "dev-prod-parity", "logs", "admin-processes", "summary",
]  # fmt: skip


@pytest.mark.parametrize("slug", LESSON_SLUGS)
def test_every_lesson_page_has_one_h1_a_toc_and_its_diagrams(client, slug):
    response = client.get(f"/courses/twelve-factor/{slug}/")
    html = response.content.decode()

    assert response.status_code == 200
    assert len(re.findall(r"<h1[\s>]", html)) == 1
    assert 'aria-labelledby="toc-heading"' in html and 'href="#check-yourself"' in html
    lesson = Lesson.objects.get(slug=slug)
    if lesson.has_code:
        assert 'class="highlight"' in html and "css/pygments" in html
    if slug != "summary":
        assert html.count('<figure class="diagram"') >= (2 if slug == "history" else 1)
        assert "vendor/mermaid/mermaid-11.17.2" in html


def test_pages_without_diagrams_do_not_load_mermaid(client):
    html = client.get("/courses/twelve-factor/").content.decode()

    assert "mermaid" not in html


def test_syllabus_lists_lessons_in_order(client):
    html = client.get("/courses/twelve-factor/").content.decode()

    positions = [html.index(f'href="/courses/twelve-factor/{slug}/"') for slug in LESSON_SLUGS]
    assert positions == sorted(positions)


def test_lesson_links_to_its_neighbours(client):
    html = client.get("/courses/twelve-factor/config/").content.decode()

    assert 'href="/courses/twelve-factor/dependencies/" rel="prev"' in html
    assert 'href="/courses/twelve-factor/backing-services/" rel="next"' in html


def test_unpublished_lesson_is_not_found(client):
    client.get("/courses/twelve-factor/logs/")  # built and cached under the current content version
    # A bulk update sends no signal: a change made outside load_content announces itself as a release does.
    Lesson.objects.filter(slug="logs").update(published=False)
    content_version_bump()

    assert client.get("/courses/twelve-factor/logs/").status_code == 404


def test_glossary_lists_terms_with_anchors_and_lessons(client):
    html = client.get("/glossary/").content.decode()

    assert '<dt id="backing-service">' in html
    assert 'href="/courses/twelve-factor/backing-services/"' in html


def test_progress_requires_post(client):
    assert client.get("/courses/twelve-factor/config/progress/").status_code == 405


def test_lesson_ends_with_a_link_to_its_quiz(client):
    html = client.get("/courses/twelve-factor/config/").content.decode()

    assert 'href="/courses/twelve-factor/quizzes/config/"' in html


def test_syllabus_shows_quiz_and_lab_best_scores(client):
    from django.utils import timezone

    from labs.models import Lab, Submission
    from quizzes.models import Attempt, Quiz

    user = UserFactory(username="ada")
    quiz = Quiz.objects.get(course__slug="twelve-factor", slug="config")
    for number, score in enumerate((55.0, 85.0), start=1):
        Attempt.objects.create(user=user, quiz=quiz, number=number, seed="s", submitted_at=timezone.now(), score=score)
    lab = Lab.objects.get(course__slug="twelve-factor", slug="audit")
    submission = SubmissionFactory(user=user, lab=lab, status=Submission.Status.FAILED)
    ScorecardFactory(submission=submission, score=72, passed=False, checks=[])
    client.force_login(user)

    html = client.get("/courses/twelve-factor/").content.decode()

    assert "Quiz best 85%" in html
    assert 'href="/courses/twelve-factor/labs/audit/"' in html
    assert "Best 72" in html


def test_home_lists_the_learners_assignments(client):
    from datetime import timedelta

    from django.utils import timezone

    from teams.models import Assessment, Assignment, Membership

    user = UserFactory(username="ada")
    organisation = OrganisationFactory(name="Acme")
    MembershipFactory(organisation=organisation, user=user, role=Membership.Role.MEMBER)
    assessment = Assessment.objects.create(
        organisation=organisation, title="Onboarding check", pass_mark=70, deadline=timezone.now() + timedelta(days=3)
    )
    Assignment.objects.create(assessment=assessment, user=user)
    client.force_login(user)

    html = client.get("/").content.decode()

    assert "Your assignments" in html and "Onboarding check" in html


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_no_page_shows_template_syntax(client, signed_in):
    """A `{# #}` comment spread over two lines is printed, not skipped: it once showed on the syllabus."""
    if signed_in:
        client.force_login(UserFactory(username="reader"))
    pages = ["/", "/courses/", "/courses/twelve-factor/", "/glossary/", "/search/?q=port"]
    pages += [f"/courses/twelve-factor/{slug}/" for slug in LESSON_SLUGS]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        # Code samples may show template syntax of their own: only the page around them must not.
        text = re.sub(r"<(pre|code)[\s>].*?</\1>", "", response.content.decode(), flags=re.S)
        assert not re.search(r"\{#|#\}|\{%|%\}|\{\{|\}\}", text), url

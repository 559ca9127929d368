import csv
import io
import re

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, UserFactory
from workshops import services
from workshops.models import Cohort, Lock, Membership

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def cohort_urls(cohort) -> list[tuple[str, str]]:
    args = [cohort.public_id]
    return [
        ("get", reverse("workshops:dashboard", args=args)),
        ("get", reverse("workshops:projector", args=args)),
        ("get", reverse("workshops:pacing", args=args)),
        ("get", reverse("workshops:analytics", args=args)),
        ("get", reverse("workshops:gradebook", args=args)),
        ("post", reverse("workshops:code_rotate", args=args)),
        ("post", reverse("workshops:joining_set", args=args)),
        ("post", reverse("workshops:lock_set", args=args)),
        ("post", reverse("workshops:lock_all", args=args)),
    ]


def test_another_instructors_cohort_is_not_found_by_url(client, cohort, other_instructor):
    client.force_login(other_instructor)
    code = cohort.join_code
    for method, url in cohort_urls(cohort):
        response = getattr(client, method)(url, {"kind": "lesson", "slug": "config", "locked": "1"})
        assert response.status_code == 404, url
    cohort.refresh_from_db()
    assert cohort.join_code == code and cohort.join_open and not Lock.objects.exists()


def test_a_learner_gets_403_on_instructor_pages(client, cohort, learner):
    services.cohort_join(cohort=cohort, user=learner)
    client.force_login(learner)
    for method, url in cohort_urls(cohort) + [("get", reverse("workshops:list")), ("get", reverse("workshops:create"))]:
        assert getattr(client, method)(url).status_code == 403, url


def test_anonymous_visitors_are_sent_to_log_in(client, cohort):
    response = client.get(reverse("workshops:dashboard", args=[cohort.public_id]))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_instructor_creates_a_cohort(client, instructor, course_content):
    client.force_login(instructor)
    assert client.get(reverse("workshops:create")).status_code == 200
    data = {
        "course": course_content.pk,
        "name": "Tuesday",
        "starts_on": "2026-12-01",
        "ends_on": "2026-11-30",
        "seat_cap": 20,
    }
    response = client.post(reverse("workshops:create"), data)
    assert response.status_code == 200 and "cannot end before it starts" in response.content.decode()
    response = client.post(reverse("workshops:create"), {**data, "ends_on": "2026-12-02"})
    cohort = Cohort.objects.get(name="Tuesday")
    assert response.status_code == 302 and response["Location"] == cohort.get_absolute_url()
    assert cohort.instructor == instructor and len(cohort.join_code) >= 10
    listing = client.get(reverse("workshops:list")).content.decode()
    assert "Tuesday" in listing


def test_dashboard_page_and_htmx_grid(client, cohort, instructor, learner):
    services.cohort_join(cohort=cohort, user=learner)
    client.force_login(instructor)
    url = reverse("workshops:dashboard", args=[cohort.public_id])
    page = client.get(url).content.decode()
    assert len(re.findall(r"<h1[\s>]", page)) == 1
    assert cohort.join_code in page and 'hx-trigger="every 3s"' in page and "ada" in page
    assert '<th scope="colgroup" colspan="14" class="grid-col-lesson">Lessons</th>' in page
    assert '<abbr title="III. Config">III</abbr>' in page and ">L4<" not in page
    partial = client.get(url, {"sort": "progress", "stuck": "1", "minutes": "0"}, **HTMX).content.decode()
    assert partial.lstrip().startswith('<div id="grid"') and "<h1" not in partial
    assert "stuck=1" in partial


def test_dashboard_grid_cells_say_each_state_and_show_a_score_as_its_label_reads(client, cohort, instructor, learner):
    from django.utils import timezone

    from labs.models import Lab
    from quizzes import services as quiz_services
    from quizzes.models import Quiz
    from tests.factories import LessonProgressFactory
    from tests.workshops.test_selectors import graded_submission

    services.cohort_join(cohort=cohort, user=learner)
    LessonProgressFactory(user=learner, lesson=cohort.course.lessons.get(slug="codebase"), completed_at=timezone.now())
    quiz_services.attempt_start(user=learner, quiz=Quiz.objects.get(course=cohort.course, slug="codebase"))
    graded_submission(learner, Lab.objects.get(course=cohort.course, slug="audit"), 85, [])
    scored = quiz_services.attempt_start(user=learner, quiz=Quiz.objects.get(course=cohort.course, slug="config"))
    type(scored).objects.filter(pk=scored.pk).update(score=62.5, submitted_at=timezone.now())
    client.force_login(instructor)
    grid = client.get(reverse("workshops:dashboard", args=[cohort.public_id]), **HTMX).content.decode()
    row = re.search(r"<tr>\s*<th scope=\"row\">ada.*?</tr>", grid, re.S).group(0)
    cells = re.findall(
        r'<td class="cell cell-(\w+)"><span class="visually-hidden">([^<]*)</span>'
        r'<span aria-hidden="true">([^<]*)</span></td>',
        row,
    )
    columns = re.findall(r'<th scope="col" class="grid-col-\w+"><abbr title="([^"]*)">', grid)
    assert len(cells) == len(columns) > 3
    by_title = dict(zip(columns, cells, strict=True))
    assert by_title["I. Codebase"][:2] == ("done", "Done") and by_title["I. Codebase"][2] == "✓"
    assert ("progress", "In progress", "…") in cells
    assert by_title["Check: III. Config"] == ("done", "63%", "63")  # half up, the same read aloud as seen
    assert ("done", "85%", "85") in cells
    assert ("none", "Not started", "·") in cells


def test_rotate_and_close_from_the_dashboard(client, cohort, instructor):
    client.force_login(instructor)
    old = cohort.join_code
    client.post(reverse("workshops:code_rotate", args=[cohort.public_id]))
    client.post(reverse("workshops:joining_set", args=[cohort.public_id]), {"open": "0"})
    cohort.refresh_from_db()
    assert cohort.join_code != old and not cohort.join_open


def test_projector_shows_the_qr_code_as_svg(client, cohort, instructor):
    client.force_login(instructor)
    html = client.get(reverse("workshops:projector", args=[cohort.public_id])).content.decode()
    assert '<svg role="img"' in html and "QR code" in html and cohort.join_code[:4] in html


def test_pacing_toggles_with_and_without_htmx(client, cohort, instructor):
    client.force_login(instructor)
    url = reverse("workshops:lock_set", args=[cohort.public_id])
    response = client.post(url, {"kind": "lesson", "slug": "config", "locked": "1"})
    assert response.status_code == 302
    assert Lock.objects.filter(cohort=cohort, kind="lesson", slug="config").exists()
    partial = client.post(url, {"kind": "lesson", "slug": "config", "locked": "0"}, **HTMX).content.decode()
    assert partial.lstrip().startswith('<div id="pacing-items"') and not Lock.objects.exists()
    client.post(url, {"kind": "lesson", "slug": "no-such-lesson", "locked": "1"})
    assert not Lock.objects.exists()
    client.post(reverse("workshops:lock_all", args=[cohort.public_id]), {"locked": "1"})
    assert Lock.objects.filter(cohort=cohort).count() > 30


def test_gradebook_csv(client, cohort, instructor):
    services.cohort_join(cohort=cohort, user=UserFactory(username="=cmd"))
    client.force_login(instructor)
    response = client.get(reverse("workshops:gradebook", args=[cohort.public_id]))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "learner" and rows[0][-1] == "mean_of_graded_pct"
    assert rows[1][-2:] == ["0", ""]  # nothing graded: no mean, rather than 0
    assert rows[1][:2] == ["'=cmd", "'=cmd"]  # never a spreadsheet formula, in the name or the username


def test_analytics_page_renders_for_an_empty_room(client, cohort, instructor):
    client.force_login(instructor)
    html = client.get(reverse("workshops:analytics", args=[cohort.public_id])).content.decode()
    assert "No submitted first attempts yet" in html


# --- Joining ------------------------------------------------------------------------------------------------------


def test_signed_in_learner_joins_with_one_button(client, cohort, learner):
    client.force_login(learner)
    url = reverse("workshops:join", args=[cohort.join_code])
    page = client.get(url).content.decode()
    assert "Join as ada" in page
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == cohort.course.get_absolute_url()
    assert Membership.objects.filter(cohort=cohort, user=learner).exists()


def test_new_learner_signs_up_and_joins_in_one_form(client, cohort, django_user_model):
    url = reverse("workshops:join", args=[cohort.join_code])
    assert "Sign up and join" in client.get(url).content.decode()
    response = client.post(url, {"username": "newbie", "password1": PASSWORD, "password2": PASSWORD})
    assert response.status_code == 302
    user = django_user_model.objects.get(username="newbie")
    assert Membership.objects.filter(cohort=cohort, user=user).exists()
    assert client.session["_auth_user_id"] == str(user.pk)


def test_typed_code_redirects_to_the_join_page(client, cohort):
    response = client.post(reverse("workshops:join_enter"), {"code": cohort.join_code.lower()})
    assert response["Location"] == reverse("workshops:join", args=[cohort.join_code])
    response = client.post(reverse("workshops:join_enter"), {"code": "NOPE"})
    assert response.status_code == 400 and "not valid" in response.content.decode()


def test_wrong_codes_get_rate_limited_by_url(client, cohort):
    for _ in range(services.JOIN_FAILURES_ALLOWED):
        assert client.get(reverse("workshops:join", args=["WRONGCODE234"])).status_code == 404
    refused = client.get(reverse("workshops:join", args=[cohort.join_code]))
    assert refused.status_code == 429
    assert "Try again in" in refused.content.decode()


def test_join_code_guesses_are_counted_by_the_address_the_trusted_proxy_saw(client, cohort, settings):
    settings.FORWARDED_ALLOW_IPS = ["127.0.0.1"]
    for _ in range(services.JOIN_FAILURES_ALLOWED):
        client.get(reverse("workshops:join", args=["WRONGCODE234"]), HTTP_X_FORWARDED_FOR="203.0.113.9")
    url = reverse("workshops:join", args=[cohort.join_code])
    assert client.get(url, HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 429
    # Another learner behind the same proxy is someone else.
    assert client.get(url, HTTP_X_FORWARDED_FOR="198.51.100.7").status_code == 200


def test_full_cohort_says_so(client, cohort, learner):
    for name in ("a", "b", "c"):
        services.cohort_join(cohort=cohort, user=UserFactory(username=name))
    client.force_login(learner)
    assert "This cohort is full" in client.get(reverse("workshops:join", args=[cohort.join_code])).content.decode()
    client.post(reverse("workshops:join", args=[cohort.join_code]))
    assert not Membership.objects.filter(user=learner).exists()


# --- Pacing as learners see it --------------------------------------------------------------------------------------


@pytest.fixture
def member(client, cohort, learner):
    services.cohort_join(cohort=cohort, user=learner)
    client.force_login(learner)
    return learner


def test_locked_lesson_quiz_and_lab_show_a_clear_page(client, cohort, member):
    for kind, slug in (("lesson", "config"), ("quiz", "config"), ("lab", "audit")):
        services.lock_set(cohort=cohort, kind=kind, slug=slug, locked=True)
    pages = [
        "/courses/twelve-factor/config/",
        "/courses/twelve-factor/quizzes/config/",
        "/courses/twelve-factor/labs/audit/",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 403, url
        assert "is not unlocked yet" in response.content.decode()
    assert client.post("/courses/twelve-factor/quizzes/config/start/").status_code == 403
    assert client.post("/courses/twelve-factor/labs/audit/submit/").status_code == 403
    assert client.get("/courses/twelve-factor/codebase/").status_code == 200


def test_locks_do_not_touch_people_outside_the_cohort(client, cohort):
    services.lock_set(cohort=cohort, kind="lesson", slug="config", locked=True)
    assert client.get("/courses/twelve-factor/config/").status_code == 200
    client.force_login(UserFactory(username="outsider"))
    assert client.get("/courses/twelve-factor/config/").status_code == 200


def test_syllabus_greys_locked_items_and_polls_for_members(client, cohort, member):
    services.lock_set(cohort=cohort, kind="lesson", slug="config", locked=True)
    services.lock_set(cohort=cohort, kind="lab", slug="audit", locked=True)
    html = client.get("/courses/twelve-factor/").content.decode()
    assert 'id="syllabus-items" hx-get="/courses/twelve-factor/" hx-trigger="every 5s"' in html
    assert html.count("is-locked") == 2 and 'href="/courses/twelve-factor/config/"' not in html
    assert "Locked: your instructor opens it" in html
    # The poll gets the items only, not the whole page to cut them out of.
    services.lock_set(cohort=cohort, kind="lab", slug="audit", locked=False)
    poll = client.get("/courses/twelve-factor/", headers={"HX-Request": "true", "HX-Target": "syllabus-items"})
    part = poll.content.decode()
    assert part.lstrip().startswith('<div id="syllabus-items"') and "<html" not in part
    assert part.count("is-locked") == 1
    client.logout()
    html = client.get("/courses/twelve-factor/").content.decode()
    assert "is-locked" not in html and "hx-trigger" not in html


def test_dashboard_and_gradebook_name_learners_by_the_name_they_go_by(client, cohort, instructor, learner):
    learner.first_name = "Ada Lovelace"
    learner.save()
    services.cohort_join(cohort=cohort, user=learner)
    client.force_login(instructor)

    page = client.get(reverse("workshops:dashboard", args=[cohort.public_id])).content.decode()
    assert "Ada Lovelace" in page
    gradebook = client.get(reverse("workshops:gradebook", args=[cohort.public_id])).content.decode()
    assert list(csv.reader(io.StringIO(gradebook)))[1][:2] == ["Ada Lovelace", "ada"]

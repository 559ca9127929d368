"""Names and Role Provisioning: the platform's course becomes a cohort, its roster the cohort's members."""

import pytest

from lti.models import LtiIdentity, PlatformCourse
from lti.tasks import sync_roster
from tests.lti.platform import INSTRUCTOR, LEARNER

pytestmark = pytest.mark.django_db

LESSON = "https://testserver/courses/twelve-factor/config/"
NRPS = {
    "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": {
        "context_memberships_url": "PLATFORM/memberships/course-42",
        "service_versions": ["2.0"],
    }
}


@pytest.fixture
def worker(monkeypatch):
    monkeypatch.setattr(sync_roster, "delay", lambda pk: sync_roster.apply(args=[pk]))


def launch_as(client, test_platform, oidc_login, *, sub, roles, capture):
    auth = oidc_login(LESSON)
    claims = test_platform.resource_link_claims(nonce=auth["nonce"], target_link_uri=LESSON, sub=sub, roles=roles)
    nrps = {key: {**value, "context_memberships_url": test_platform.issuer + "/memberships/course-42"}
            for key, value in NRPS.items()}  # fmt: skip
    with capture(execute=True):
        response = client.post(
            "/lti/launch/", {"state": auth["state"], "id_token": test_platform.id_token(claims | nrps)}, secure=True
        )
    assert response.status_code == 302, response.content.decode()
    return LtiIdentity.objects.get(sub=sub).user


def test_instructor_launch_makes_the_course_a_cohort_and_syncs_the_roster(
    course_content, registered_platform, test_platform, oidc_login, client, worker, django_capture_on_commit_callbacks
):
    test_platform.memberships = [
        {"status": "Active", "user_id": "teacher-1", "name": "Grace Hopper", "roles": [INSTRUCTOR]},
        {"status": "Active", "user_id": "s-1", "name": "Alan Turing", "email": "alan@example.edu", "roles": [LEARNER]},
        {"status": "Inactive", "user_id": "s-2", "name": "Dropped Out", "roles": [LEARNER]},
    ]

    teacher = launch_as(
        client,
        test_platform,
        oidc_login,
        sub="teacher-1",
        roles=[INSTRUCTOR],
        capture=django_capture_on_commit_callbacks,
    )

    platform_course = PlatformCourse.objects.get(platform=registered_platform, context_id="course-42")
    cohort = platform_course.cohort
    assert cohort.instructor == teacher and cohort.name == "Twelve-Factor 101" and cohort.course.slug == "twelve-factor"
    assert platform_course.synced_at is not None
    members = {m.user.first_name for m in cohort.memberships.select_related("user")}
    assert members == {"Alan Turing"}
    assert client.get(cohort.get_absolute_url(), secure=True).status_code == 200

    # A learner's launch joins the same cohort and signs in to the account the roster created.
    client.logout()
    learner = launch_as(
        client, test_platform, oidc_login, sub="s-1", roles=[LEARNER], capture=django_capture_on_commit_callbacks
    )
    assert learner.email == "alan@example.edu" and cohort.memberships.filter(user=learner).count() == 1
    assert client.get(cohort.get_absolute_url(), secure=True).status_code == 403  # learners do not see the dashboard

"""Names and Role Provisioning: the platform's course becomes a cohort; its roster becomes the cohort's members.

The first instructor who launches from a course leads its cohort (a cohort has one instructor here) and gets the
workshop dashboard; learners join the cohort on launch and on every roster sync.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import Any, Final

from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils import timezone
from pylti1p3.names_roles import NamesRolesProvisioningService
from pylti1p3.service_connector import ServiceConnector

from courses.models import Course
from lti.grades import TimeoutSession
from lti.models import LtiIdentity, Platform, PlatformCourse
from lti.tool_config import PlatformRegistration
from workshops.models import Cohort
from workshops.services import cohort_create, cohort_join

NRPS_CLAIM = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"
CONTEXT_CLAIM: Final = "https://purl.imsglobal.org/spec/lti/claim/context"
ROLES_CLAIM: Final = "https://purl.imsglobal.org/spec/lti/claim/roles"
# LIS roles that lead a course (https://www.imsglobal.org/spec/lti/v1p3/#lis-vocabulary-for-context-roles).
INSTRUCTOR_ROLES = ("#Instructor", "#Administrator", "/Instructor", "/Administrator")
# Cohorts of platform courses are sized by the platform's roster, not by a seat cap typed here.
PLATFORM_SEAT_CAP = 100_000


def is_instructor(roles: list[str]) -> bool:
    return any(role.endswith(INSTRUCTOR_ROLES) for role in roles)


def _grant_lead_cohort(user) -> None:
    user.user_permissions.add(Permission.objects.get(codename="lead_cohort", content_type__app_label="workshops"))
    for cache in ("_perm_cache", "_user_perm_cache"):  # has_perm would read the cache filled before the grant
        user.__dict__.pop(cache, None)


@transaction.atomic
def platform_course_from_launch(
    *, identity: LtiIdentity, claims: Mapping[str, Any], course: Course
) -> PlatformCourse | None:
    """The cohort of the launch's context: created when an instructor first launches from it; a learner joins it."""
    context = claims.get(CONTEXT_CLAIM) or {}
    if not context.get("id"):
        return None
    roles = claims.get(ROLES_CLAIM, [])
    memberships_url = (claims.get(NRPS_CLAIM) or {}).get("context_memberships_url", "")
    platform_course = PlatformCourse.objects.filter(platform=identity.platform, context_id=context["id"]).first()
    if platform_course is None:
        if not is_instructor(roles):
            return None  # the cohort appears with its instructor; learners launching before are still signed in
        _grant_lead_cohort(identity.user)
        today = timezone.localdate()
        cohort = cohort_create(
            instructor=identity.user,
            course=course,
            name=(context.get("title") or context.get("label") or context["id"])[:120],
            starts_on=today,
            ends_on=today + datetime.timedelta(days=365),
            seat_cap=PLATFORM_SEAT_CAP,
        )
        platform_course = PlatformCourse.objects.create(
            platform=identity.platform, context_id=context["id"], title=context.get("title", "")[:255], cohort=cohort
        )
    if memberships_url and memberships_url != platform_course.memberships_url:
        platform_course.memberships_url = memberships_url
        platform_course.save(update_fields=["memberships_url"])
    if not is_instructor(roles) and platform_course.cohort.instructor_id != identity.user_id:
        cohort_join(cohort=platform_course.cohort, user=identity.user)
    return platform_course


def _identity_for_member(*, platform: Platform, member: Mapping[str, Any]) -> LtiIdentity:
    from lti.services import identity_for  # services imports this module

    return identity_for(platform=platform, sub=member["user_id"], claims=member)


@transaction.atomic
def roster_sync(*, platform_course_id: int) -> int:
    """Fetch the course's members from the platform (NRPS 2.0) and add its active learners to the cohort.
    Returns how many members the cohort has. Learners never launched get an account they sign in to via LTI."""
    platform_course = PlatformCourse.objects.select_related("platform", "cohort").get(pk=platform_course_id)
    connector = ServiceConnector(PlatformRegistration(platform_course.platform), requests_session=TimeoutSession())
    service = NamesRolesProvisioningService(connector, {"context_memberships_url": platform_course.memberships_url})
    cohort: Cohort = platform_course.cohort
    for member in service.get_members():
        if member.get("status", "Active") != "Active" or is_instructor(member.get("roles", [])):
            continue
        identity = _identity_for_member(platform=platform_course.platform, member=member)
        if identity.user_id != cohort.instructor_id:
            cohort_join(cohort=cohort, user=identity.user)
    platform_course.synced_at = timezone.now()
    platform_course.save(update_fields=["synced_at"])
    return cohort.memberships.count()

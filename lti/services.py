"""Writes of the LTI tool: accepting a validated launch (account, sign-in, spent nonce)."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model, login
from django.db import IntegrityError, transaction
from django.http import HttpRequest

from accounts.services import USER_BACKEND
from courses.models import Course
from lti.launch import AcademyMessageLaunch, LaunchRefused
from lti.models import LineItemLink, LtiIdentity, Platform, UsedNonce
from lti.roster import ROLES_CLAIM, is_instructor, platform_course_from_launch
from lti.targets import ItemTarget
from lti.tasks import sync_roster

User = get_user_model()

# The session remembers which platform framed it: lti.middleware relaxes framing and cookies for that session only.
SESSION_FRAME_ORIGINS = "lti_frame_origins"
AGS_ENDPOINT: Final = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"


@dataclass(frozen=True)
class AcceptedLaunch:
    platform: Platform
    identity: LtiIdentity
    created: bool


def _name_from_claims(claims: Mapping[str, Any]) -> str:
    name = claims.get("name") or " ".join(filter(None, [claims.get("given_name"), claims.get("family_name")]))
    return name.strip()[:150]


def _username_for(*, platform: Platform, sub: str) -> str:
    # `sub` is opaque and may be long; a digest keeps usernames short, stable and unique per (platform, sub).
    return f"lti-{platform.pk}-{hashlib.sha256(sub.encode()).hexdigest()[:20]}"


def frame_origins(platform: Platform) -> list[str]:
    if platform.frame_origins:
        return list(platform.frame_origins)
    issuer = urlsplit(platform.issuer)
    return [f"{issuer.scheme}://{issuer.netloc}"]


def nonce_spend(*, platform: Platform, nonce: str) -> None:
    """Record a launch's nonce, refusing one seen before (a replayed launch)."""
    try:
        with transaction.atomic():
            UsedNonce.objects.create(platform=platform, nonce=nonce)
    except IntegrityError:
        raise LaunchRefused(
            "This launch was already used (replayed nonce). Open the link in your course again."
        ) from None


def _identity_match(*, platform: Platform, sub: str, claims: Mapping[str, Any]) -> tuple[LtiIdentity, bool]:
    identity = LtiIdentity.objects.select_related("user").filter(platform=platform, sub=sub).first()
    if identity is not None:
        return identity, False
    # No password: this account signs in through its platform (create_user makes the password unusable).
    user = User.objects.create_user(
        username=_username_for(platform=platform, sub=sub),
        email=(claims.get("email") or "")[:254],
        first_name=_name_from_claims(claims),
    )
    return LtiIdentity.objects.create(platform=platform, sub=sub, user=user), True


def identity_for(*, platform: Platform, sub: str, claims: Mapping[str, Any]) -> LtiIdentity:
    """The account of a platform user, created with the name and email the platform sent (launch or roster)."""
    return _identity_match(platform=platform, sub=sub, claims=claims)[0]


@transaction.atomic
def launch_accept(*, request: HttpRequest, launch: AcademyMessageLaunch, target: ItemTarget) -> AcceptedLaunch:
    """Sign in the learner a validated launch names, creating their account on the first launch.

    The nonce is spent first: a replayed launch fails on its unique row, and the transaction leaves nothing else.
    """
    claims = launch.get_launch_data()
    platform = launch.registration.platform
    sub = claims.get("sub")
    if not sub:
        raise LaunchRefused("The launch names no user (sub is empty): anonymous launches are not supported.")
    nonce_spend(platform=platform, nonce=launch.nonce())

    identity, created = _identity_match(platform=platform, sub=sub, claims=claims)
    ags = claims.get(AGS_ENDPOINT) or {}
    if target.gradable and ags.get("lineitem") and SCORE_SCOPE in ags.get("scope", []):
        LineItemLink.objects.update_or_create(
            identity=identity, item_key=target.key, lineitem_url=ags["lineitem"], defaults={"scopes": ags["scope"]}
        )
    platform_course = platform_course_from_launch(
        identity=identity, claims=claims, course=Course.objects.get(slug=target.course_slug)
    )
    if platform_course and platform_course.memberships_url and is_instructor(claims.get(ROLES_CLAIM, [])):
        transaction.on_commit(lambda: sync_roster.delay(platform_course.pk))
    login(request, identity.user, backend=USER_BACKEND)
    request.session[SESSION_FRAME_ORIGINS] = frame_origins(platform)
    return AcceptedLaunch(platform=platform, identity=identity, created=created)

"""LTI Dynamic Registration 1.0, the tool's side (https://www.imsglobal.org/spec/lti-dr/v1p0).

A platform's administrator pastes our registration URL into the platform; the platform opens it (in an iframe or a
window) with `openid_configuration` and, usually, a `registration_token`. We read the platform's OpenID
configuration, post our client registration to its `registration_endpoint`, and keep what it answers (client id,
deployment id, endpoints) as a `Platform`, the same row the admin's form makes.

Who may register: the URL the platform opens is a one-time invitation made by our staff (as Moodle does when it is the
tool: its registration URLs are made by an administrator, expire, and are spent by one registration). The platform's
`registration_token` cannot stand in for it: the platform named by `openid_configuration` issues that token, so any
server can bring one. Trusting it would let anyone on the internet make our server fetch the URLs they name and add a
platform whose launches sign people in here. Our staff session cannot stand in either: platforms open the URL in a
cross-site iframe, where our SameSite=Lax session cookie is not sent.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import requests
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from lti.models import Platform, RegistrationInvitation

logger = logging.getLogger(__name__)

HTTP_TIMEOUT_SECONDS = 15
INVITATION_LIFETIME = timedelta(hours=24)
TOOL_NAME = "Twelve-Factor Academy"
TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"
PLATFORM_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-platform-configuration"
# What the lti app uses: AGS line items and scores (grade passback), NRPS memberships (rosters).
SCOPES = [
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
    "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
    "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
]
# Names and email: accounts are created with them on the first launch.
CLAIMS = ["iss", "sub", "name", "given_name", "family_name", "email"]


class RegistrationRefused(Exception):
    """A registration that cannot go on; str() says why, for the platform's administrator. Nothing was stored."""


@dataclass(frozen=True)
class PlatformConfiguration:
    """What we need of a platform's OpenID configuration (LTI-DR §3.4)."""

    url: str
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    registration_endpoint: str
    authorization_server: str
    product: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def registration_invitation_create(*, created_by) -> tuple[RegistrationInvitation, str]:
    """A one-time invitation valid for a day; returns it and its token (shown once, in the registration URL)."""
    token = secrets.token_urlsafe(32)
    invitation = RegistrationInvitation.objects.create(
        token_digest=_digest(token), created_by=created_by, expires_at=timezone.now() + INVITATION_LIFETIME
    )
    return invitation, token


def registration_url(*, site_url: str, token: str) -> str:
    return site_url.rstrip("/") + reverse("lti:register", args=[token])


def invitation_usable(*, token: str) -> RegistrationInvitation:
    invitation = RegistrationInvitation.objects.usable(now=timezone.now()).filter(token_digest=_digest(token)).first()
    if invitation is None:
        raise RegistrationRefused(
            "This registration URL is unknown, expired or already used. Ask the site's staff for a new one "
            "(admin: LTI › Registration invitations › Add)."
        )
    return invitation


def _bearer(registration_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {registration_token}"} if registration_token else {}


def platform_configuration_fetch(*, url: str, registration_token: str) -> PlatformConfiguration:
    """Read and check the platform's OpenID configuration. Raises RegistrationRefused."""
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).netloc:
        raise RegistrationRefused("The platform sent no usable openid_configuration URL.")
    try:
        # Canvas asks for the registration token here too; other platforms ignore it.
        response = requests.get(
            url, headers={"Accept": "application/json", **_bearer(registration_token)}, timeout=HTTP_TIMEOUT_SECONDS
        )
        response.raise_for_status()
        config = response.json()
    except (requests.RequestException, ValueError) as error:
        raise RegistrationRefused(f"The platform's OpenID configuration at {url} could not be read: {error}") from None
    if not isinstance(config, dict):
        raise RegistrationRefused(f"The platform's OpenID configuration at {url} is not a JSON object.")
    required = ["issuer", "authorization_endpoint", "token_endpoint", "jwks_uri", "registration_endpoint"]
    missing = [key for key in required if not isinstance(config.get(key), str) or not config[key]]
    if missing:
        raise RegistrationRefused(f"The platform's OpenID configuration lacks {', '.join(missing)}.")
    # LTI-DR §3.5.1: the issuer must be of the origin we fetched the configuration from, or any server could
    # claim another platform's issuer.
    if origin_of(config["issuer"]) != origin_of(url):
        raise RegistrationRefused(
            f"The platform's issuer ({config['issuer']}) does not match the origin of its configuration URL "
            f"({origin_of(url)}). Nothing was registered."
        )
    platform_config = config.get(PLATFORM_CONFIGURATION)
    product = platform_config.get("product_family_code", "") if isinstance(platform_config, dict) else ""
    return PlatformConfiguration(
        url=url,
        issuer=config["issuer"],
        authorization_endpoint=config["authorization_endpoint"],
        token_endpoint=config["token_endpoint"],
        jwks_uri=config["jwks_uri"],
        registration_endpoint=config["registration_endpoint"],
        authorization_server=config.get("authorization_server") or "",
        product=str(product)[:100],
    )


def tool_registration(*, site_url: str) -> dict:
    """Our client registration (LTI-DR §3.6.1): OpenID Connect client metadata plus the LTI tool configuration."""
    base = site_url.rstrip("/")
    launch = base + reverse("lti:launch")
    return {
        "application_type": "web",
        "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": base + reverse("lti:login"),
        "redirect_uris": [launch],
        "client_name": TOOL_NAME,
        "jwks_uri": base + reverse("jwks"),
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": " ".join(SCOPES),
        TOOL_CONFIGURATION: {
            "domain": urlsplit(base).netloc,
            "description": "Lessons, quizzes and sandboxed labs on the Twelve-Factor App methodology.",
            "target_link_uri": launch,
            "claims": CLAIMS,
            "messages": [
                {"type": "LtiResourceLinkRequest", "target_link_uri": launch, "label": TOOL_NAME},
                {
                    "type": "LtiDeepLinkingRequest",
                    "target_link_uri": launch,
                    "label": f"Add from {TOOL_NAME}",
                    # Canvas's names for where instructors pick links; other platforms ignore them.
                    "placements": ["link_selection", "assignment_selection"],
                },
            ],
            # Canvas sends names and emails only to "public" tools.
            "https://canvas.instructure.com/lti/privacy_level": "public",
        },
    }


def registration_post(*, config: PlatformConfiguration, registration_token: str, body: dict) -> dict:
    """Post our registration to the platform; returns its answer. Raises RegistrationRefused."""
    try:
        response = requests.post(
            config.registration_endpoint,
            json=body,
            headers={"Accept": "application/json", **_bearer(registration_token)},
            timeout=HTTP_TIMEOUT_SECONDS,
        )
    except requests.RequestException as error:
        raise RegistrationRefused(f"The platform's registration endpoint could not be reached: {error}") from None
    if not response.ok:
        raise RegistrationRefused(
            f"The platform refused the registration (HTTP {response.status_code}): {response.text[:500]}"
        )
    try:
        answer = response.json()
    except ValueError:
        answer = None
    if not isinstance(answer, dict) or not isinstance(answer.get("client_id"), str) or not answer["client_id"]:
        raise RegistrationRefused("The platform accepted the registration but sent no client id.")
    return answer


def platform_register(*, token: str, openid_configuration: str, registration_token: str, site_url: str) -> Platform:
    """Register our tool with the platform that opened the invitation `token`, and keep the registration.

    The invitation is claimed first, so two tabs cannot register twice; anything refused gives it back, and stores
    nothing.
    """
    invitation = invitation_usable(token=token)
    claimed = RegistrationInvitation.objects.filter(pk=invitation.pk, used_at__isnull=True).update(
        used_at=timezone.now()
    )
    if not claimed:
        raise RegistrationRefused("This registration URL was used a moment ago. Ask the site's staff for a new one.")
    try:
        config = platform_configuration_fetch(url=openid_configuration, registration_token=registration_token)
        answer = registration_post(
            config=config, registration_token=registration_token, body=tool_registration(site_url=site_url)
        )
    except RegistrationRefused:
        RegistrationInvitation.objects.filter(pk=invitation.pk).update(used_at=None)
        raise
    tool_config = answer.get(TOOL_CONFIGURATION)
    deployment_id = tool_config.get("deployment_id") if isinstance(tool_config, dict) else None
    with transaction.atomic():
        platform, _ = Platform.objects.update_or_create(
            issuer=config.issuer,
            client_id=answer["client_id"],
            defaults={
                "name": f"{config.product or 'LTI platform'} at {origin_of(config.issuer)}"[:200],
                "deployment_ids": [str(deployment_id)] if deployment_id else [],
                "auth_login_url": config.authorization_endpoint,
                "auth_token_url": config.token_endpoint,
                "key_set_url": config.jwks_uri,
                # LTI-DR §3.4: the audience of token requests when it is not the token endpoint.
                "auth_audience": config.authorization_server,
                "active": True,
            },
        )
        RegistrationInvitation.objects.filter(pk=invitation.pk).update(platform=platform)
    logger.info("lti platform registered", extra={"issuer": platform.issuer, "client_id": platform.client_id})
    return platform

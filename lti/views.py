"""The LTI endpoints: OIDC login initiation, launch, deep-link picker and response, our JWKS, dynamic registration."""

from __future__ import annotations

import logging
from typing import cast
from urllib.parse import urlsplit

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from pylti1p3.deep_link_resource import DeepLinkResource
from pylti1p3.exception import LtiException
from pylti1p3.lineitem import LineItem

from lti.csp import csp_replace, csp_update
from lti.keys import NoToolKey, published_jwks
from lti.launch import AcademyMessageLaunch, LaunchRefused, launch_storage, message_launch, oidc_login
from lti.registration import (
    RegistrationRefused,
    invitation_usable,
    origin_of,
    platform_configuration_fetch,
    platform_register,
)
from lti.selectors import catalogue_items, catalogue_items_chosen
from lti.services import frame_origins, launch_accept, nonce_spend
from lti.targets import item_target
from lti.tool_config import DatabaseToolConf

logger = logging.getLogger(__name__)

DEEP_LINK_USED = "lti-deep-link-used-{}"


def _refused(request: HttpRequest, reason: str, *, status: int = 400) -> HttpResponse:
    logger.warning("lti launch refused", extra={"reason": reason})
    response = render(request, "lti/refused.html", {"reason": reason}, status=status)
    # The error page shows inside the platform's iframe; it holds nothing worth clickjacking.
    response.xframe_options_exempt = True
    csp_replace(response, {"frame-ancestors": ["*"]})
    return response


# The platform posts (or redirects) here from its own origin: there is no CSRF token to check, the OIDC state is
# what binds login to launch.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def login(request: HttpRequest) -> HttpResponse:
    try:
        return oidc_login(request).redirect(request.build_absolute_uri(reverse("lti:launch")))
    except (LtiException, NoToolKey) as error:
        return _refused(request, f"The login request was refused: {error}")


def _site_root(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


@csrf_exempt
@require_POST
def launch(request: HttpRequest) -> HttpResponse:
    try:
        message = message_launch(request)
        message.validate()
        claims = message.get_launch_data()
        if message.is_deep_link_launch():
            return _deep_link_picker(request, message)
        target = item_target(
            target_link_uri=claims.get("https://purl.imsglobal.org/spec/lti/claim/target_link_uri", ""),
            site_url=_site_root(request),
        )
        if target is None:
            raise LaunchRefused(
                "The link names no lesson, quiz or lab of this site. Ask your instructor to pick it again."
            )
        launch_accept(request=request, launch=message, target=target)
    except (LtiException, NoToolKey) as error:
        return _refused(request, str(error))
    return redirect(target.path)


def _deep_link_picker(request: HttpRequest, message: AcademyMessageLaunch) -> HttpResponse:
    if not (message.check_teacher_access() or message.check_staff_access() or message.check_designer_access()):
        raise LaunchRefused("Only instructors can add links from the catalogue.")
    nonce_spend(platform=message.registration.platform, nonce=message.nonce())
    response = render(
        request,
        "lti/deep_link_picker.html",
        {"launch_id": message.get_launch_id(), "items": catalogue_items()},
    )
    _allow_framing(response, message)
    return response


def _allow_framing(response: HttpResponse, message: AcademyMessageLaunch) -> None:
    response.xframe_options_exempt = True
    csp_replace(response, {"frame-ancestors": frame_origins(message.registration.platform)})


# The picker posts from inside the platform's iframe, where our SameSite=Lax CSRF cookie is not sent. The launch id
# stands in for the token: random, known only to the page the validated launch rendered, and accepted once.
@csrf_exempt
@require_POST
def deep_link_respond(request: HttpRequest, launch_id: str) -> HttpResponse:
    try:
        # from_cache builds `cls(...)`; pylti1p3 annotates it as returning the base class.
        message = cast(
            AcademyMessageLaunch,
            AcademyMessageLaunch.from_cache(
                launch_id, request, DatabaseToolConf(), launch_data_storage=launch_storage()
            ),
        )
        if not message.is_deep_link_launch():
            raise LaunchRefused("This launch did not ask for links.")
        if not cache.add(DEEP_LINK_USED.format(launch_id), True, timeout=86400):
            raise LaunchRefused("These links were already sent. Open the platform's picker again to add more.")
        resources = [_resource(request, item) for item in catalogue_items_chosen(keys=request.POST.getlist("item"))]
        response_jwt = message.get_deep_link().get_response_jwt(resources)
        return_url = message.get_launch_data()["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"][
            "deep_link_return_url"
        ]
    except (LtiException, NoToolKey) as error:
        return _refused(request, str(error))
    response = render(
        request,
        "lti/deep_link_return.html",
        {"return_url": return_url, "response_jwt": response_jwt, "count": len(resources)},
    )
    _allow_framing(response, message)
    # The form posts to the platform's origin.
    csp_update(response, {"form-action": [return_url]})
    return response


def _resource(request: HttpRequest, item) -> DeepLinkResource:
    resource = DeepLinkResource().set_url(request.build_absolute_uri(item.path)).set_title(item.title)
    if item.gradable:
        # The platform creates a gradebook column for it; scores of this item are posted there.
        resource.set_lineitem(LineItem().set_score_maximum(100).set_label(item.title).set_resource_id(item.key))
    return resource


@require_GET
def jwks(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(published_jwks())
    # Platforms cache it; a short lifetime lets a new key be seen soon after it is added.
    response["Cache-Control"] = "public, max-age=300"
    return response


# The platform opens this page in its own (cross-site) iframe or window: our CSRF cookie is not sent there. The
# one-time invitation in the path stands in for the token: random, made by our staff, spent by the registration.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest, token: str) -> HttpResponse:
    params = request.POST if request.method == "POST" else request.GET
    openid_configuration = params.get("openid_configuration", "")
    registration_token = params.get("registration_token", "")
    try:
        if request.method == "GET":
            invitation_usable(token=token)
            config = platform_configuration_fetch(url=openid_configuration, registration_token=registration_token)
            response = render(
                request,
                "lti/register_confirm.html",
                {
                    "config": config,
                    "openid_configuration": openid_configuration,
                    "registration_token": registration_token,
                },
            )
        else:
            platform = platform_register(
                token=token,
                openid_configuration=openid_configuration,
                registration_token=registration_token,
                site_url=_site_root(request),
            )
            response = render(request, "lti/register_done.html", {"platform": platform})
    except RegistrationRefused as error:
        logger.warning("lti registration refused", extra={"reason": str(error)})
        response = render(request, "lti/register_refused.html", {"reason": str(error)}, status=400)
    parts = urlsplit(openid_configuration)
    if parts.scheme in ("http", "https") and parts.netloc:
        # The platform frames us from its own origin, the one its configuration came from.
        response.xframe_options_exempt = True
        csp_replace(response, {"frame-ancestors": [origin_of(openid_configuration)]})
    return response

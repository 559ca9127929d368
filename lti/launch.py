"""Validating a launch: pylti1p3's checks plus what it leaves to the tool.

pylti1p3 checks the state cookie, that the nonce is one our login issued, the registration, the signature against
the platform's JWKS (and `exp`/`iat`), the deployment and the message's claims. It does not check `aud`/`azp` (it
decodes with `verify_aud` off) and it does not spend the nonce; `aud`/`azp` are checked here, the nonce is spent by
`lti.services.launch_accept` in the transaction that signs the learner in.
"""

from __future__ import annotations

from django.core.cache import caches
from pylti1p3.contrib.django.launch_data_storage.cache import DjangoCacheDataStorage
from pylti1p3.contrib.django.message_launch import DjangoMessageLaunch
from pylti1p3.contrib.django.oidc_login import DjangoOIDCLogin
from pylti1p3.exception import LtiException

from lti.tool_config import DatabaseToolConf

# Login and launch are two top-level cross-site requests from the platform: the session cookie (SameSite=Lax)
# does not come back on the launch POST, so state and nonce live in the shared cache, keyed by pylti1p3's own cookie.
LAUNCH_DATA_LIFETIME = 600


class LaunchRefused(LtiException):
    """A launch we refuse: the message says why, in words an instructor can pass to their LMS administrator."""


def launch_storage() -> DjangoCacheDataStorage:
    caches["default"]  # fail here, not deep inside pylti1p3, when the cache is misconfigured
    return DjangoCacheDataStorage(cache_name="default")


class AcademyMessageLaunch(DjangoMessageLaunch):
    def validate_registration(self):
        try:
            super().validate_registration()
        except LtiException as error:
            raise LaunchRefused(
                f"No platform is registered here with this issuer and client id (iss, aud): {error}"
            ) from error
        body = self._get_jwt_body()
        client_id = self._registration.get_client_id()
        audience = body.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        if client_id not in audiences:
            raise LaunchRefused("The launch is addressed to another tool (aud does not hold our client id).")
        if (len(audiences) > 1 or "azp" in body) and body.get("azp") != client_id:
            raise LaunchRefused("The launch's authorised party (azp) is not our client id.")
        return self

    @property
    def registration(self):
        return self._registration

    def nonce(self) -> str:
        return self._get_jwt_body()["nonce"]


def oidc_login(request) -> DjangoOIDCLogin:
    login = DjangoOIDCLogin(request, DatabaseToolConf())
    login.set_launch_data_storage(launch_storage()).set_launch_data_lifetime(LAUNCH_DATA_LIFETIME)
    return login


def message_launch(request) -> AcademyMessageLaunch:
    launch = AcademyMessageLaunch(request, DatabaseToolConf())
    launch.set_launch_data_storage(launch_storage()).set_launch_data_lifetime(LAUNCH_DATA_LIFETIME)
    return launch

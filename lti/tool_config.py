"""pylti1p3's view of our registrations: platforms from the database, our signing key from lti.keys."""

from __future__ import annotations

from pylti1p3.deployment import Deployment
from pylti1p3.registration import Registration
from pylti1p3.tool_config.abstract import ToolConfAbstract

from lti.keys import public_pem_of, signing_key
from lti.models import Platform


class PlatformRegistration(Registration):
    """A registration that signs with our current key and names it by the kid our JWKS publishes."""

    def __init__(self, platform: Platform) -> None:
        super().__init__()
        key = signing_key()
        self.platform = platform
        self._kid = key.kid
        (
            self.set_issuer(platform.issuer)
            .set_client_id(platform.client_id)
            .set_auth_login_url(platform.auth_login_url)
            .set_auth_token_url(platform.auth_token_url)
            .set_key_set_url(platform.key_set_url)
            .set_tool_private_key(key.private_key_pem)
            .set_tool_public_key(public_pem_of(key.private_key_pem))
        )
        if platform.auth_audience:
            self.set_auth_audience(platform.auth_audience)

    def get_kid(self) -> str:
        return self._kid


class DatabaseToolConf(ToolConfAbstract):
    """Every issuer may register us more than once (one client id per registration), as LTI 1.3 allows."""

    def check_iss_has_one_client(self, iss: str) -> bool:
        return False

    def check_iss_has_many_clients(self, iss: str) -> bool:
        return True

    @staticmethod
    def platform(iss: str, client_id: str | None) -> Platform | None:
        platforms = Platform.objects.filter(issuer=iss, active=True)
        if client_id:
            return platforms.filter(client_id=client_id).first()
        # An OIDC login may omit client_id; it is only unambiguous when the issuer registered us once.
        found = list(platforms[:2])
        return found[0] if len(found) == 1 else None

    def find_registration_by_issuer(self, iss, *args, **kwargs):
        platform = self.platform(iss, None)
        return PlatformRegistration(platform) if platform else None

    def find_registration_by_params(self, iss, client_id, *args, **kwargs):
        platform = self.platform(iss, client_id)
        return PlatformRegistration(platform) if platform else None

    def find_deployment(self, iss, deployment_id):
        return self.find_deployment_by_params(iss, deployment_id, None)

    def find_deployment_by_params(self, iss, deployment_id, client_id, *args, **kwargs):
        platform = self.platform(iss, client_id)
        if platform is None or deployment_id not in platform.deployment_ids:
            return None
        return Deployment().set_deployment_id(deployment_id)

"""A test LTI 1.3 platform, built from the spec (IMS LTI 1.3 Core, Deep Linking 2.0, AGS 2.0, NRPS 2.0).

It owns an RSA key and serves, on loopback over real HTTP: its JWKS, an OAuth2 token endpoint (client-credentials
with a JWT client assertion, checked against the tool's published keys) and the AGS score and NRPS membership
endpoints, recording what the tool sent. Launches are id_tokens it signs for real. For LTI Dynamic Registration 1.0
it serves its OpenID configuration and a registration endpoint, both behind its registration token; a registration it
accepts gives the tool a new client id and deployment id, which its later messages carry.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from jwcrypto.jwk import JWK

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
DEEP_LINKING = "https://purl.imsglobal.org/spec/lti-dl/claim/"
INSTRUCTOR = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor"
LEARNER = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"


def rsa_private_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()


REGISTRATION_TOOL_CONFIGURATION = "https://purl.imsglobal.org/spec/lti-tool-configuration"


@dataclass
class Recorded:
    token_requests: list[dict] = field(default_factory=list)
    scores: list[dict] = field(default_factory=list)
    configuration_requests: list[dict] = field(default_factory=list)
    registrations: list[dict] = field(default_factory=list)


class TestPlatform:
    """The platform side of every flow. `tool_jwks` is how it learns our keys (a callable returning the JWKS)."""

    __test__ = False  # not a test class, whatever pytest thinks of its name

    def __init__(self) -> None:
        self.private_pem = rsa_private_pem()
        jwk = JWK.from_pem(self.private_pem.encode())
        self.kid = jwk.thumbprint()
        self.public_jwk = json.loads(jwk.export_public()) | {"kid": self.kid, "alg": "RS256", "use": "sig"}
        self.client_id = "academy-tool-" + secrets.token_hex(4)
        self.deployment_id = "deployment-1"
        self.recorded = Recorded()
        self.tool_jwks = lambda: {"keys": []}
        self.memberships: list[dict] = []
        self.scores_unavailable = False  # the gradebook answers 503 while set
        # The gradebook: the current score of each (line item path, user id), as AGS 2.0 keeps it.
        self.results: dict[tuple[str, str], dict] = {}
        self.registration_token = "reg-" + secrets.token_hex(8)
        self.configured_issuer: str | None = None  # an OpenID configuration naming another issuer, while set
        self.registration_refusal: dict | None = None  # the registration endpoint answers 400 with it, while set
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.issuer = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    # --- the platform's HTTP endpoints ------------------------------------------------------------------------------
    def start(self) -> TestPlatform:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    @property
    def jwks_url(self) -> str:
        return self.issuer + "/jwks"

    @property
    def token_url(self) -> str:
        return self.issuer + "/token"

    @property
    def auth_login_url(self) -> str:
        return self.issuer + "/authorize"

    def _handler(self):
        platform = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _json(self, status: int, body: object, content_type: str = "application/json") -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _registration_token_ok(self) -> bool:
                return self.headers.get("Authorization", "") == f"Bearer {platform.registration_token}"

            def do_GET(self) -> None:
                if self.path == "/.well-known/openid-configuration":
                    platform.recorded.configuration_requests.append(dict(self.headers))
                    if not self._registration_token_ok():
                        return self._json(401, {"error": "invalid_token"})
                    return self._json(200, platform.openid_configuration())
                if self.path == "/jwks":
                    return self._json(200, {"keys": [platform.public_jwk]})
                if self.path.startswith("/memberships"):
                    return self._json(
                        200,
                        {"id": platform.issuer + self.path, "members": platform.memberships},
                        "application/vnd.ims.lti-nrps.v2.membershipcontainer+json",
                    )
                self._json(404, {"error": "not found"})

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                if self.path == "/token":
                    return platform._token(self, parse_qs(body))
                if self.path == "/register":
                    if not self._registration_token_ok():
                        return self._json(401, {"error": "invalid_token"})
                    return platform._register(self, json.loads(body))
                if self.path.startswith("/lineitems/") and self.path.endswith("/scores"):
                    if not self.headers.get("Authorization", "").startswith("Bearer "):
                        return self._json(401, {"error": "no token"})
                    if platform.scores_unavailable:
                        return self._json(503, {"error": "gradebook is down for maintenance"})
                    return platform._score(self, json.loads(body))
                self._json(404, {"error": "not found"})

        return Handler

    def _score(self, handler, score: dict) -> None:
        """AGS 2.0 §3.4: a score older than the one on record (by its timestamp) does not replace it (409, as
        Moodle answers); every accepted post is recorded, so a score sent twice shows twice."""
        key = (handler.path.removesuffix("/scores"), score["userId"])
        held = self.results.get(key)
        if held and datetime.fromisoformat(held["timestamp"]) > datetime.fromisoformat(score["timestamp"]):
            return handler._json(409, {"error": "a later score is on record"})
        self.recorded.scores.append({"lineitem": handler.path, **score})
        self.results[key] = score
        handler._json(200, {})

    @property
    def openid_configuration_url(self) -> str:
        return self.issuer + "/.well-known/openid-configuration"

    def openid_configuration(self) -> dict:
        """LTI-DR §3.4: the platform's OpenID configuration, with its LTI platform configuration."""
        return {
            "issuer": self.configured_issuer or self.issuer,
            "authorization_endpoint": self.auth_login_url,
            "token_endpoint": self.token_url,
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": ["RS256"],
            "jwks_uri": self.jwks_url,
            "registration_endpoint": self.issuer + "/register",
            "scopes_supported": ["openid", "https://purl.imsglobal.org/spec/lti-ags/scope/score"],
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "claims_supported": ["iss", "sub", "name", "email"],
            "https://purl.imsglobal.org/spec/lti-platform-configuration": {
                "product_family_code": "TestPlatform",
                "version": "1.0",
                "messages_supported": [{"type": "LtiResourceLinkRequest"}, {"type": "LtiDeepLinkingRequest"}],
            },
        }

    def _register(self, handler, registration: dict) -> None:
        """LTI-DR §3.6: check the client registration as a platform would, then answer with a new client id and the
        deployment it made. Its later messages are for that client."""
        self.recorded.registrations.append(registration)
        if self.registration_refusal is not None:
            return handler._json(400, self.registration_refusal)
        tool = registration.get(REGISTRATION_TOOL_CONFIGURATION) or {}
        problems = [
            name
            for name, ok in [
                ("application_type", registration.get("application_type") == "web"),
                ("token_endpoint_auth_method", registration.get("token_endpoint_auth_method") == "private_key_jwt"),
                ("initiate_login_uri", bool(registration.get("initiate_login_uri"))),
                ("redirect_uris", bool(registration.get("redirect_uris"))),
                ("jwks_uri", bool(registration.get("jwks_uri"))),
                ("domain", bool(tool.get("domain"))),
                ("target_link_uri", bool(tool.get("target_link_uri"))),
            ]
            if not ok
        ]
        if problems:
            return handler._json(
                400, {"error": "invalid_client_metadata", "error_description": "bad " + ", ".join(problems)}
            )
        self.client_id = "registered-" + secrets.token_hex(4)
        self.deployment_id = "deployment-" + secrets.token_hex(2)
        handler._json(
            200,
            registration
            | {
                "client_id": self.client_id,
                REGISTRATION_TOOL_CONFIGURATION: tool | {"deployment_id": self.deployment_id},
            },
        )

    def _token(self, handler, form: dict[str, list[str]]) -> None:
        """RFC 7523 client assertion, as LTI Security Framework §4.1 asks: signed by a key in the tool's JWKS."""
        assertion = form.get("client_assertion", [""])[0]
        try:
            kid = jwt.get_unverified_header(assertion)["kid"]
            key = next(k for k in self.tool_jwks()["keys"] if k["kid"] == kid)
            claims = jwt.decode(
                assertion, jwt.PyJWK(key).key, algorithms=["RS256"], audience=self.token_url, issuer=self.client_id
            )
        except (StopIteration, KeyError, jwt.InvalidTokenError) as error:
            return handler._json(400, {"error": "invalid_client", "error_description": str(error)})
        self.recorded.token_requests.append({"claims": claims, "scope": form.get("scope", [""])[0]})
        handler._json(200, {"access_token": secrets.token_hex(16), "token_type": "Bearer", "expires_in": 3600})

    # --- messages ---------------------------------------------------------------------------------------------------
    def login_params(self, *, target_link_uri: str, login_hint: str = "user-1") -> dict[str, str]:
        return {
            "iss": self.issuer,
            "login_hint": login_hint,
            "target_link_uri": target_link_uri,
            "lti_message_hint": "hint-" + secrets.token_hex(4),
            "client_id": self.client_id,
            "lti_deployment_id": self.deployment_id,
        }

    def id_token(self, claims: dict, *, private_pem: str | None = None, kid: str | None = None) -> str:
        return jwt.encode(claims, private_pem or self.private_pem, algorithm="RS256", headers={"kid": kid or self.kid})

    def base_claims(self, *, nonce: str, sub: str, roles: list[str], message_type: str) -> dict:
        now = int(time.time())
        return {
            "iss": self.issuer,
            "aud": self.client_id,
            "sub": sub,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            LTI + "message_type": message_type,
            LTI + "version": "1.3.0",
            LTI + "deployment_id": self.deployment_id,
            LTI + "roles": roles,
            LTI + "context": {"id": "course-42", "label": "12F-101", "title": "Twelve-Factor 101", "type": []},
            LTI + "tool_platform": {"guid": "platform-guid", "name": "Test Platform"},
        }

    def resource_link_claims(
        self, *, nonce: str, target_link_uri: str, sub: str = "user-1", roles: list[str] | None = None, **extra
    ) -> dict:
        claims = self.base_claims(nonce=nonce, sub=sub, roles=roles or [LEARNER], message_type="LtiResourceLinkRequest")
        claims |= {
            LTI + "resource_link": {"id": "link-" + uuid.uuid4().hex[:8], "title": "A link"},
            LTI + "target_link_uri": target_link_uri,
            "name": "Ada Lovelace",
            "email": "ada@example.edu",
        }
        return claims | extra

    def ags_claim(self, lineitem: str) -> dict:
        return {
            "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": {
                "scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/score"],
                "lineitem": self.issuer + lineitem,
            }
        }

    def deep_linking_claims(self, *, nonce: str, sub: str = "teacher-1") -> dict:
        claims = self.base_claims(nonce=nonce, sub=sub, roles=[INSTRUCTOR], message_type="LtiDeepLinkingRequest")
        claims[DEEP_LINKING + "deep_linking_settings"] = {
            "deep_link_return_url": self.issuer + "/deep-link-return",
            "accept_types": ["ltiResourceLink"],
            "accept_presentation_document_targets": ["iframe", "window"],
            "accept_multiple": True,
            "data": "opaque-platform-data",
        }
        return claims

    def read_deep_linking_response(self, response_jwt: str, tool_jwks: dict) -> dict:
        """Verify the tool's LtiDeepLinkingResponse as a platform must: signature by a published key, aud = us."""
        kid = jwt.get_unverified_header(response_jwt)["kid"]
        key = next(k for k in tool_jwks["keys"] if k["kid"] == kid)
        return jwt.decode(response_jwt, jwt.PyJWK(key).key, algorithms=["RS256"], audience=self.issuer)

"""Our tool's RSA keys: which one signs, and which ones our JWKS publishes.

Keys come from the environment (`LTI_TOOL_PRIVATE_KEY`, PEM) or from the database (`ToolKey`, generated in the
admin). A key's `kid` is its RFC 7638 thumbprint, so the same PEM always has the same kid in every process.
Rotating without downtime means publishing two keys for a while: in the database, add a key and retire the old one
later; from the environment, move the old public key to `LTI_TOOL_RETIRING_PUBLIC_KEY` while the new one signs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from jwcrypto.jwk import JWK

from lti.models import ToolKey


class NoToolKey(Exception):
    """Neither the environment nor the database holds a key to sign with."""


@dataclass(frozen=True)
class SigningKey:
    kid: str
    private_key_pem: str


def _pem(text: str) -> str:
    # A PEM in a one-line environment variable arrives with literal "\n".
    return text.replace("\\n", "\n").strip() + "\n"


def public_jwk(public_key_pem: str) -> dict:
    """The public key as a JWK for signing with RS256, its kid the thumbprint."""
    key = JWK.from_pem(public_key_pem.encode())
    jwk = json.loads(key.export_public())
    jwk.update(kid=key.thumbprint(), alg="RS256", use="sig")
    return jwk


def public_pem_of(private_key_pem: str) -> str:
    private = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    return (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def tool_key_generate() -> ToolKey:
    """A new 2048-bit RSA key, published at once and signing from now on (the previous key stays published)."""
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = private.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = public_pem_of(private_pem)
    return ToolKey.objects.create(
        kid=public_jwk(public_pem)["kid"], private_key_pem=private_pem, public_key_pem=public_pem
    )


def signing_key() -> SigningKey:
    """The key our messages are signed with: the environment's, else the newest published database key."""
    if settings.LTI_TOOL_PRIVATE_KEY:
        private_pem = _pem(settings.LTI_TOOL_PRIVATE_KEY)
        return SigningKey(kid=public_jwk(public_pem_of(private_pem))["kid"], private_key_pem=private_pem)
    key = ToolKey.objects.published().first()
    if key is None:
        raise NoToolKey("No LTI tool key: set LTI_TOOL_PRIVATE_KEY or generate one in the admin (LTI › Tool keys).")
    return SigningKey(kid=key.kid, private_key_pem=key.private_key_pem)


def published_jwks() -> dict:
    """Our JWKS document: every key a platform may see a signature from, the signing key first."""
    public_pems = []
    if settings.LTI_TOOL_PRIVATE_KEY:
        public_pems.append(public_pem_of(_pem(settings.LTI_TOOL_PRIVATE_KEY)))
    if settings.LTI_TOOL_RETIRING_PUBLIC_KEY:
        public_pems.append(_pem(settings.LTI_TOOL_RETIRING_PUBLIC_KEY))
    public_pems += [key.public_key_pem for key in ToolKey.objects.published()]
    keys, seen = [], set()
    for jwk in map(public_jwk, public_pems):
        if jwk["kid"] not in seen:
            seen.add(jwk["kid"])
            keys.append(jwk)
    return {"keys": keys}

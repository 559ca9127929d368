"""Our JWKS and key rotation: both keys are published while rotating, the newest signs, retired keys vanish."""

import jwt
import pytest
from django.utils import timezone

from lti.keys import NoToolKey, public_pem_of, signing_key, tool_key_generate
from tests.lti.platform import rsa_private_pem

pytestmark = pytest.mark.django_db


def published_kids(client, url="/.well-known/jwks.json") -> list[str]:
    response = client.get(url)
    assert response.status_code == 200
    return [key["kid"] for key in response.json()["keys"]]


def test_without_any_key_signing_says_how_to_get_one():
    with pytest.raises(NoToolKey, match="LTI_TOOL_PRIVATE_KEY"):
        signing_key()


def test_rotation_publishes_both_keys_and_signs_with_the_new_one(client):
    old = tool_key_generate()
    new = tool_key_generate()

    assert published_kids(client) == [new.kid, old.kid] == published_kids(client, "/lti/jwks/")
    assert signing_key().kid == new.kid

    old.retired_at = timezone.now()
    old.save()
    assert published_kids(client) == [new.kid]


def test_a_signature_by_the_signing_key_verifies_against_the_published_jwks(client):
    tool_key_generate()
    key = signing_key()
    token = jwt.encode({"hello": "platform"}, key.private_key_pem, algorithm="RS256", headers={"kid": key.kid})

    jwks = client.get("/.well-known/jwks.json").json()
    published = next(k for k in jwks["keys"] if k["kid"] == jwt.get_unverified_header(token)["kid"])
    assert jwt.decode(token, jwt.PyJWK(published).key, algorithms=["RS256"]) == {"hello": "platform"}


def test_environment_key_signs_and_the_retiring_one_stays_published(client, settings):
    current, retiring = rsa_private_pem(), rsa_private_pem()
    settings.LTI_TOOL_PRIVATE_KEY = current.replace("\n", "\\n")  # as a one-line environment variable holds it
    settings.LTI_TOOL_RETIRING_PUBLIC_KEY = public_pem_of(retiring)
    database_key = tool_key_generate()

    kids = published_kids(client)

    assert signing_key().kid == kids[0]
    assert len(kids) == 3 and database_key.kid in kids

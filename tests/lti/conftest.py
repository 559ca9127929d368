from urllib.parse import parse_qs, urlsplit

import pytest

from tests.lti.platform import TestPlatform


@pytest.fixture(scope="session")
def test_platform():
    platform = TestPlatform().start()
    yield platform
    platform.stop()


@pytest.fixture
def registered_platform(db, test_platform, client):
    """The test platform registered in our admin's table, and a tool key generated, as an administrator would."""
    from lti.keys import tool_key_generate
    from lti.models import Platform

    tool_key_generate()
    row = Platform.objects.create(
        name="Test platform",
        issuer=test_platform.issuer,
        client_id=test_platform.client_id,
        deployment_ids=[test_platform.deployment_id],
        auth_login_url=test_platform.auth_login_url,
        auth_token_url=test_platform.token_url,
        key_set_url=test_platform.jwks_url,
    )
    # The platform reads our JWKS once, as platforms cache it (its HTTP thread cannot use the test's database).
    tool_jwks = client.get("/.well-known/jwks.json").json()
    test_platform.tool_jwks = lambda: tool_jwks
    test_platform.recorded.token_requests.clear()
    test_platform.recorded.scores.clear()
    test_platform.results.clear()
    test_platform.scores_unavailable = False
    return row


@pytest.fixture
def oidc_login(client, test_platform):
    """Step 1 of a launch: the platform sends the browser to our login; we answer with the platform's auth URL,
    carrying state and nonce. Returns them as the platform reads them."""

    def login(target_link_uri: str, **overrides) -> dict[str, str]:
        params = test_platform.login_params(target_link_uri=target_link_uri) | overrides
        response = client.post("/lti/login/", params, secure=True)
        assert response.status_code == 302, response.content.decode()
        location = urlsplit(response["Location"])
        assert f"{location.scheme}://{location.netloc}{location.path}" == test_platform.auth_login_url
        return {key: values[0] for key, values in parse_qs(location.query).items()}

    return login

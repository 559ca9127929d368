from django.test import RequestFactory

from config.client_address import client_address, client_ip_or_none


def request_from(peer: str, forwarded: str | None = None):
    headers = {"REMOTE_ADDR": peer}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **headers)


def test_a_direct_client_cannot_choose_its_address_with_the_header(settings):
    settings.FORWARDED_ALLOW_IPS = ["127.0.0.1"]
    assert client_address(request_from("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


def test_behind_a_trusted_proxy_the_rightmost_untrusted_hop_is_the_client(settings):
    settings.FORWARDED_ALLOW_IPS = ["10.0.0.0/8"]
    # The client wrote "1.2.3.4" itself; the proxy appended the address it really saw.
    assert client_address(request_from("10.0.0.5", "1.2.3.4, 203.0.113.9")) == "203.0.113.9"
    assert client_address(request_from("10.0.0.5", "203.0.113.9, 10.0.0.7")) == "203.0.113.9"


def test_a_trusted_proxy_without_the_header_is_the_client(settings):
    settings.FORWARDED_ALLOW_IPS = ["127.0.0.1"]
    assert client_address(request_from("127.0.0.1")) == "127.0.0.1"


def test_star_trusts_every_peer(settings):
    settings.FORWARDED_ALLOW_IPS = ["*"]
    assert client_address(request_from("203.0.113.9", "198.51.100.1")) == "198.51.100.1"


def test_what_axes_stores_is_an_ip_address_or_nothing(settings):
    settings.FORWARDED_ALLOW_IPS = ["127.0.0.1"]
    assert client_ip_or_none(request_from("203.0.113.9")) == "203.0.113.9"
    assert client_ip_or_none(request_from("127.0.0.1", "not-an-address")) is None
    assert client_ip_or_none(request_from("")) is None

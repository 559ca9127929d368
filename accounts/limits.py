"""How often the account pages may be used, per email address and per client address (config.rate_limits counts).

Failed logins are limited by django-axes (settings: AXES_*); these cover what a login limit does not: flooding an
inbox with reset emails and creating accounts in bulk.
"""

from django.conf import settings
from django.http import HttpRequest

from config import rate_limits
from config.client_address import client_address

# One reset email per address in this window; Django's reset link itself stays valid much longer.
PASSWORD_RESET_EMAIL_WINDOW_SECONDS = 5 * 60
PASSWORD_RESETS_PER_CLIENT_PER_HOUR = 10


def password_reset_allowed(*, request: HttpRequest, email: str) -> rate_limits.Decision:
    """Counted whether or not an account has that address, so the answer reveals nothing about who is registered."""
    per_email = rate_limits.hit(
        scope="password-reset-email",
        key=email.strip().lower(),
        limit=1,
        window_seconds=PASSWORD_RESET_EMAIL_WINDOW_SECONDS,
    )
    if not per_email.allowed:
        return per_email
    return rate_limits.hit(
        scope="password-reset-client",
        key=client_address(request),
        limit=PASSWORD_RESETS_PER_CLIENT_PER_HOUR,
        window_seconds=3600,
    )


def sign_up_allowed(*, request: HttpRequest) -> rate_limits.Decision:
    return rate_limits.hit(
        scope="sign-up",
        key=client_address(request),
        limit=settings.SIGN_UPS_PER_ADDRESS_PER_HOUR,
        window_seconds=3600,
    )

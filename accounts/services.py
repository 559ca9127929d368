from django.contrib.auth import login
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest

from accounts.forms import SignUpForm
from accounts.names import display_name
from accounts.signals import display_name_changed

USER_BACKEND = "accounts.backends.CachedPermissionsBackend"


@transaction.atomic
def user_sign_up(*, request: HttpRequest, form: SignUpForm) -> User:
    """Create the account and sign the new user in (signals then merge anything kept in the session)."""
    user = form.save()
    # The session names the backend, and a later request is signed in only if that backend is still configured:
    # the one that loads users (django-axes' backend, listed first, only refuses locked-out logins).
    login(request, user, backend=USER_BACKEND)
    return user


@transaction.atomic
def profile_update(*, user: User, name: str, email: str) -> User:
    """Save the name the person goes by (all of it in first_name, see accounts.names) and their email address.
    A changed name is announced with display_name_changed, in the same transaction."""
    before = display_name(user)
    user.first_name, user.last_name, user.email = name.strip(), "", email.strip()
    user.save(update_fields=["first_name", "last_name", "email"])
    if display_name(user) != before:
        display_name_changed.send(sender=User, user=user)
    return user

from django.contrib.auth import login
from django.contrib.auth.models import User
from django.db import transaction
from django.http import HttpRequest

from accounts.forms import SignUpForm


@transaction.atomic
def user_sign_up(*, request: HttpRequest, form: SignUpForm) -> User:
    """Create the account and sign the new user in (signals then merge anything kept in the session)."""
    user = form.save()
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return user

"""The name a person goes by on this site: the one they gave at sign-up or on their profile, else their username.

It lives in Django's own User.first_name (the whole name as typed; last_name stays empty), so every query that
already loads the user has it, the admin edits it, and no table or join is added. One field, not first and last,
because not every name splits that way (https://www.w3.org/International/questions/qa-personal-names).
"""

from django.contrib.auth.models import User


def display_name(user: User) -> str:
    return user.get_full_name() or user.get_username()

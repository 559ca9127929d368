import pytest
from django.contrib.auth.models import User

from accounts.names import display_name
from accounts.services import profile_update
from accounts.signals import display_name_changed
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def renamed():
    """The users display_name_changed was sent for."""
    sent: list[User] = []

    def listen(sender, user, **kwargs) -> None:
        sent.append(user)

    display_name_changed.connect(listen)
    yield sent
    display_name_changed.disconnect(listen)


def test_display_name_is_the_given_name_or_the_username():
    user = User(username="ada")
    assert display_name(user) == "ada"
    user.first_name = "Ada Lovelace"
    assert display_name(user) == "Ada Lovelace"


def test_profile_update_keeps_the_whole_name_in_first_name(renamed):
    user = UserFactory(username="ada", first_name="Ada", last_name="Byron")

    profile_update(user=user, name="  Ada Lovelace  ", email=" ada@example.com ")

    user.refresh_from_db()
    assert (user.first_name, user.last_name, user.email) == ("Ada Lovelace", "", "ada@example.com")
    assert display_name(user) == "Ada Lovelace"
    assert renamed == [user]


def test_profile_update_announces_only_a_changed_name(renamed):
    user = UserFactory(username="ada", first_name="Ada Lovelace")

    profile_update(user=user, name="Ada Lovelace", email="new@example.com")
    assert renamed == []

    profile_update(user=user, name="", email="new@example.com")
    assert renamed == [user] and display_name(user) == "ada"

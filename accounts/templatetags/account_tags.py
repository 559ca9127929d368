from django import template

from accounts.names import display_name as _display_name

register = template.Library()


@register.filter
def display_name(user) -> str:
    return _display_name(user)


@register.inclusion_tag("includes/person.html")
def person(user) -> dict:
    """A person in a report: the name they go by, and their username beside it when the two differ."""
    name = _display_name(user)
    username = user.get_username()
    return {"name": name, "username": username if username != name else ""}

"""Pages whose bulk is release-time content: rendered once per content version as a *shell*, then filled in per
request with the reader's few parts (the header's links, a progress control, the CSRF token).

The shell is rendered without a request, so no context processor runs: there is no user, no session and no CSRF
secret to render, and a shell cannot carry one reader's data to another. Templates opt in by showing
`{{ shell.NAME }}` in place of a partial when `shell` is set (see templates/base.html's `user-nav`).
"""

from django.contrib.messages import get_messages
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

# Letters only, so template escaping leaves it whole in attributes and hidden inputs alike.
CSRF_SLOT = "pageshellcsrftokenslot"
USER_NAV = "user_nav"


def slot(name: str) -> str:
    return f"<!--page-shell-slot:{name}-->"


def shell_fits(request) -> bool:
    """A shell has no messages in it: a page with a message waiting to be shown once is rendered whole."""
    return not len(get_messages(request))


def render_shell(template_name: str, context: dict, *, slots: tuple[str, ...]) -> str:
    shell = {name: mark_safe(slot(name)) for name in (USER_NAV, *slots)}
    return render_to_string(template_name, {**context, "shell": shell, "csrf_token": CSRF_SLOT})


def fill_shell(shell: str, request, parts: dict[str, str]) -> str:
    """The page for this request: the shell with the header's links, `parts` and a CSRF token put in its slots."""
    html = shell.replace(CSRF_SLOT, get_token(request))
    parts = {USER_NAV: render_to_string("base.html#user-nav", {}, request), **parts}
    for name, part in parts.items():
        html = html.replace(slot(name), part)
    return html

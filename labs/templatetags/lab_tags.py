import re

from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

LESSON_PATH = re.compile(r"(/courses/[a-z0-9-]+/([a-z0-9-]+)/(?:#[a-z0-9_-]+)?)")
CODE_SPAN = re.compile(r"`([^`\n]+)`")


@register.simple_tag
def hint_html(hint: str, lesson_titles: dict[str, str] | None = None) -> SafeString:
    """A grader hint as HTML: its `code` spans as code, and the lesson path it names as a link titled with the
    lesson's name (the raw path when the lesson is unknown). Everything else is escaped."""
    titles = lesson_titles or {}

    def link(match: re.Match) -> str:
        path, slug = match.group(1), match.group(2)
        title = titles.get(slug)
        return format_html('<a href="{}">{}</a>', path, f"the lesson “{title}”" if title else path)

    html = CODE_SPAN.sub(r"<code>\1</code>", escape(hint))
    return mark_safe(LESSON_PATH.sub(link, html))

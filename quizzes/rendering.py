"""Markdown and code rendering for questions, done once by the loader and stored (a request never parses markdown)."""

import re
from html import unescape

import nh3
from django.utils.html import strip_tags
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import get_lexer_by_name

from courses.markdown import render_fragment

SINGLE_PARAGRAPH = re.compile(r"\A<p>(.*)</p>\Z", re.DOTALL)


def render_inline(text: str) -> str:
    """Markdown for a short phrase (an option, a feedback line): no wrapping paragraph."""
    html = render_fragment(str(text)).strip()
    match = SINGLE_PARAGRAPH.match(html)
    return match.group(1) if match and "<p>" not in match.group(1) else html


def html_to_text(html: str) -> str:
    return unescape(strip_tags(html)).strip()


def render_code_lines(code: str, language: str) -> list[str]:
    """Pygments HTML, one string per source line (the formatter closes its spans at each line end)."""
    formatter = HtmlFormatter(nowrap=True)
    html = highlight(code.rstrip("\n") + "\n", get_lexer_by_name(language), formatter)
    return html.rstrip("\n").split("\n")


# What imported question text may keep once rendered: ammonia's safe tags, with `class` for highlighted code.
UNTRUSTED_ATTRIBUTES = {"*": {"class", "title", "lang"}, "a": {"href"}, "img": {"src", "alt", "width", "height"}}


def clean_html(value):
    """Rendered question HTML from outside content/ (an organisation's upload), made safe: Python-Markdown passes raw
    HTML, attribute lists and javascript: links through. Walks the rendered dict, cleaning every string."""
    if isinstance(value, str):
        return nh3.clean(value, attributes=UNTRUSTED_ATTRIBUTES)
    if isinstance(value, dict):
        return {key: clean_html(item) for key, item in value.items()}
    if isinstance(value, list):
        return [clean_html(item) for item in value]
    return value

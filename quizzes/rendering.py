"""Markdown and code rendering for questions, done once by the loader and stored (a request never parses markdown)."""

import re
from html import unescape
from typing import Any

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


def render_question(definition: dict[str, Any]) -> dict[str, Any]:
    rendered: dict[str, Any] = {
        "prompt": render_fragment(definition["prompt"]),
        "explanation": render_fragment(definition["explanation"]),
    }
    kind = definition["type"]
    if kind in {"single", "multiple"}:
        rendered["options"] = [render_inline(o["text"]) for o in definition["options"]]
        rendered["feedback"] = [
            render_inline(o["feedback"]) if o.get("feedback") else "" for o in definition["options"]
        ]
    elif kind == "true_false":
        rendered["feedback"] = {
            "true": render_inline(definition["feedback_true"]) if definition.get("feedback_true") else "",
            "false": render_inline(definition["feedback_false"]) if definition.get("feedback_false") else "",
        }
    elif kind == "ordering":
        rendered["items"] = [render_inline(item) for item in definition["items"]]
    elif kind == "matching":
        rendered["left"] = [render_inline(pair["left"]) for pair in definition["pairs"]]
        rendered["right"] = [render_inline(pair["right"]) for pair in definition["pairs"]]
        # A <select>'s options hold text only.
        rendered["right_plain"] = [html_to_text(html) for html in rendered["right"]]
    elif kind == "spot":
        rendered["lines"] = render_code_lines(definition["code"], definition["language"])
        rendered["line_feedback"] = {
            str(line): render_inline(text) for line, text in (definition.get("line_feedback") or {}).items()
        }
    return rendered

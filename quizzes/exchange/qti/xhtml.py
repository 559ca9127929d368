"""Our rendered HTML to QTI 2.1's XHTML subset and back: an element QTI lacks becomes a div or span, attributes it
lacks are dropped, scripts and comments are left out."""

from html import escape
from typing import Any

import lxml.html
from lxml import etree

from quizzes.exchange.qti.names import q

# QTI 2.1's XHTML subset (imsqti_v2p1.xsd, "Content Model") and the attributes kept on each element.
BLOCK = {
    "address",
    "blockquote",
    "div",
    "dl",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "ol",
    "p",
    "pre",
    "table",
    "ul",
}
INLINE = {
    "a", "abbr", "acronym", "b", "big", "br", "cite", "code", "dfn", "em", "i", "img", "kbd", "q", "samp", "small",
    "span", "strong", "sub", "sup", "tt", "var",
}  # fmt: skip
PARTS = {"caption", "col", "colgroup", "dd", "dt", "li", "tbody", "td", "tfoot", "th", "thead", "tr"}
ATTRIBUTES = {
    "*": {"id", "class", "label"},
    "a": {"href", "type"},
    "img": {"src", "alt", "longdesc", "height", "width"},
    "td": {"headers", "scope", "abbr", "axis", "rowspan", "colspan", "align", "valign"},
    "th": {"headers", "scope", "abbr", "axis", "rowspan", "colspan", "align", "valign"},
    "table": {"summary"},
    "ol": set(),
    "col": {"span"},
    "colgroup": {"span"},
}
# Upload limits for the reader: a zip is small text; anything bigger is a mistake or a zip bomb.


def append_text(target: etree._Element, text: str | None) -> None:
    if not text:
        return
    if len(target):
        target[-1].tail = (target[-1].tail or "") + text
    else:
        target.text = (target.text or "") + text


def copy_html(source: Any, target: etree._Element) -> None:
    """Append source's children (parsed HTML) to target as QTI XHTML: unknown elements become div or span."""
    append_text(target, source.text)
    for child in source:
        tag = child.tag.lower() if isinstance(child.tag, str) else ""
        if tag in {"", "script", "style"}:  # comments, processing instructions, scripts: only their tail is kept
            append_text(target, child.tail)
            continue
        if tag not in BLOCK | INLINE | PARTS:
            tag = "div" if tag in {"figure", "figcaption", "details", "summary", "section", "article"} else "span"
        allowed = ATTRIBUTES["*"] | ATTRIBUTES.get(tag, set())
        element = etree.SubElement(target, q(tag), {k: v for k, v in child.attrib.items() if k in allowed})
        copy_html(child, element)
        append_text(target, child.tail)


def add_html(target: etree._Element, html: str) -> etree._Element:
    if html.strip():
        copy_html(lxml.html.fragment_fromstring(html, create_parent="div"), target)
    return target


def qti_html(html: str) -> str:
    """What our HTML reads back as after a trip through QTI (for tests and for comparing)."""
    return html_of(add_html(etree.Element(q("div")), html))


def html_of(element: etree._Element) -> str:
    """The element's content as HTML without QTI's namespace."""
    copy = etree.fromstring(etree.tostring(element))
    for node in copy.iter():
        if isinstance(node.tag, str):
            node.tag = etree.QName(node).localname
    etree.cleanup_namespaces(copy)
    inner = escape(copy.text or "", quote=False) + "".join(
        etree.tostring(child, encoding="unicode", method="html", with_tail=True) for child in copy
    )
    return inner.strip()

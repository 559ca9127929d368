"""The markdown pipeline: lesson source → HTML, table of contents and searchable sections.

Runs once per lesson in `load_content`; requests only read the stored result.
"""

import html
from dataclasses import dataclass, field
from html.parser import HTMLParser

import markdown
from markdown.extensions.toc import slugify

# Bump when the pipeline's output changes, so load_content re-renders lessons whose source did not change.
RENDERER_VERSION = "2"

ADMONITION_KINDS = {"anti-pattern", "tip", "warning", "note", "site"}
ALT_PREFIX = "%% alt:"


def mermaid_fence(source: str, language: str, css_class: str, options: dict, md, **kwargs) -> str:
    """A Mermaid diagram inside a figure, its `%% alt:` lines as the caption (the text alternative).

    The source stays in a <pre> that static/js/diagrams.js turns into SVG; without JavaScript the reader sees the
    caption and the source.
    """
    alt_lines, body_lines = [], []
    for line in source.splitlines():
        stripped = line.strip()
        if stripped.startswith(ALT_PREFIX):
            alt_lines.append(stripped[len(ALT_PREFIX) :].strip())
        else:
            body_lines.append(line)
    alt = " ".join(alt_lines)
    return (
        f'<figure class="diagram" data-alt="{html.escape(alt)}">'
        f'<pre class="mermaid">{html.escape(chr(10).join(body_lines).strip())}</pre>'
        f"<figcaption>{html.escape(alt)}</figcaption></figure>"
    )


def _extensions(toc: bool) -> tuple[list, dict]:
    extensions = [
        "tables",
        "attr_list",
        "md_in_html",
        "def_list",
        "abbr",
        "admonition",
        "pymdownx.details",
        "pymdownx.highlight",
        "pymdownx.inlinehilite",
        "pymdownx.superfences",
        "pymdownx.tabbed",
        "pymdownx.tasklist",
    ]
    configs = {
        "pymdownx.highlight": {"use_pygments": True, "css_class": "highlight", "guess_lang": False},
        "pymdownx.superfences": {
            "custom_fences": [{"name": "mermaid", "class": "mermaid", "format": mermaid_fence}],
        },
        "pymdownx.tabbed": {"alternate_style": True},
    }
    if toc:
        extensions.append("toc")
        configs["toc"] = {
            "permalink": "#",
            "permalink_title": "Link to this section",
            "toc_depth": "2-3",
            "slugify": slugify,
        }
    return extensions, configs


@dataclass
class Section:
    anchor: str
    heading: str
    text: str


@dataclass
class RenderedLesson:
    html: str
    toc: list[dict]
    sections: list[Section] = field(default_factory=list)
    has_diagram: bool = False
    has_code: bool = False

    @property
    def anchors(self) -> set[str]:
        return toc_anchors(self.toc)

    @property
    def toc_html(self) -> str:
        return toc_to_html(self.toc)


def toc_anchors(toc: list[dict]) -> set[str]:
    """Every heading id in a table of contents, nested levels included: the anchors links and quizzes may use."""
    return {heading["id"] for heading in toc} | {a for heading in toc for a in toc_anchors(heading.get("children", []))}


def toc_to_html(toc: list[dict]) -> str:
    """The table of contents as nested lists of links, rendered once at load time like the lesson itself."""
    if not toc:
        return ""
    items = "".join(
        f'<li><a href="#{html.escape(h["id"])}">{html.escape(h["name"])}</a>{toc_to_html(h["children"])}</li>'
        for h in toc
    )
    return f"<ul>{items}</ul>"


def render_lesson(source: str, *, title: str) -> RenderedLesson:
    extensions, configs = _extensions(toc=True)
    md = markdown.Markdown(extensions=extensions, extension_configs=configs)
    body = md.convert(source)
    return RenderedLesson(
        html=body,
        toc=_plain_toc(md.toc_tokens),
        sections=split_sections(body, intro_heading=title),
        has_diagram='class="diagram"' in body,
        has_code='class="highlight"' in body,
    )


def render_fragment(text: str) -> str:
    """Markdown for short trusted texts (quiz prompts, explanations, glossary definitions): no TOC, no anchors."""
    extensions, configs = _extensions(toc=False)
    return markdown.markdown(text, extensions=extensions, extension_configs=configs)


def _plain_toc(tokens: list[dict]) -> list[dict]:
    return [
        {"id": t["id"], "name": html.unescape(t["name"]), "level": t["level"], "children": _plain_toc(t["children"])}
        for t in tokens
    ]


class _SectionSplitter(HTMLParser):
    """Collects the text under each h2/h3 (by its id), skipping permalinks and diagram source."""

    SKIP_CLASSES = {"headerlink", "mermaid"}
    # Elements that end a run of text: tab labels, table cells, list items and code lines stay apart in the text
    # (one line each) instead of running together ("PythonNode.jsGo"), as a browser would lay them out.
    BLOCKS = {
        *("p", "div", "pre", "br", "hr", "blockquote", "figure", "figcaption", "details", "summary"),
        *("ul", "ol", "li", "dl", "dt", "dd", "table", "tr", "td", "th", "caption", "label", "h4", "h5", "h6"),
    }

    def __init__(self, intro_heading: str) -> None:
        super().__init__(convert_charrefs=True)
        self.sections = [Section(anchor="", heading=intro_heading, text="")]
        self._chunks: list[str] = []
        self._heading: list[str] | None = None
        self._heading_id = ""
        self._skip_depth = 0
        self._depth = 0
        self._in_pre = 0

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self._depth += 1
        attributes = dict(attrs)
        classes = set((attributes.get("class") or "").split())
        if self._skip_depth or classes & self.SKIP_CLASSES:
            self._skip_depth += 1
            return
        if tag in ("h2", "h3"):
            self._flush()
            self._heading, self._heading_id = [], attributes.get("id") or ""
        elif tag in self.BLOCKS:
            self._chunks.append("\n")
        if tag == "pre":
            self._in_pre += 1

    def handle_endtag(self, tag: str) -> None:
        self._depth -= 1
        if self._skip_depth:
            self._skip_depth -= 1
            return
        if tag in self.BLOCKS:
            self._chunks.append("\n")
        if tag == "pre":
            self._in_pre = max(0, self._in_pre - 1)
        if tag in ("h2", "h3") and self._heading is not None:
            heading = " ".join("".join(self._heading).split())
            self.sections.append(Section(anchor=self._heading_id, heading=heading, text=""))
            self._heading = None

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        self._chunks.append("\n" if tag in self.BLOCKS else " ")

    def handle_data(self, data: str) -> None:
        if self._skip_depth:
            return
        if self._heading is not None:
            self._heading.append(data)
        else:  # outside <pre> a line break in the source is only a space; inside, it ends a line of code
            self._chunks.append(data if self._in_pre else " ".join(data.splitlines()))

    def _flush(self) -> None:
        lines = (" ".join(line.split()) for line in "".join(self._chunks).split("\n"))
        self.sections[-1].text = "\n".join(line for line in lines if line)
        self._chunks = []

    def close(self) -> None:
        super().close()
        self._flush()


def split_sections(body: str, *, intro_heading: str) -> list[Section]:
    splitter = _SectionSplitter(intro_heading)
    splitter.feed(body)
    splitter.close()
    return [s for s in splitter.sections if s.text or s.anchor]

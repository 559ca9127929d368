"""QTI 2.1 content packages (a zip of imsmanifest.xml and one assessmentItem file per question): writer and reader.

QTI 2.1 items are what Canvas's "QTI .zip" import and Brightspace's question library import take most reliably;
Canvas's QTI 2 path converts choice and text-entry interactions, so our matching and ordering items (valid QTI,
imported by Brightspace and QTI-native systems) may be left out by Canvas. Each item scores itself into SCORE (out of
MAXSCORE, the question's points) with the same rule as our grader; the explanation is a modal feedback shown after
every response and an option's own feedback is shown when that option is picked. The factor travels as a LOM keyword
(`factor-<n>`) in the manifest, as the package's question-bank metadata. No XSD ships in a package on PyPI, so the
reader here is strict: it rejects what it does not understand, with the file and line.

Prompts and feedback are written as the HTML our markdown renders to, mapped to QTI's XHTML subset (an element QTI
lacks becomes a div or span), and read back as HTML.
"""

import io
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

import lxml.html
from lxml import etree

from courses.content.errors import ContentError, ContentProblem
from courses.markdown import render_fragment
from quizzes.exchange import Bank, ExportReport, Format, ReadQuestion, key_from_title, register
from quizzes.rendering import render_inline
from quizzes.types.base import Definition

NS = "http://www.imsglobal.org/xsd/imsqti_v2p1"
CP = "http://www.imsglobal.org/xsd/imscp_v1p1"
LOM = "http://ltsc.ieee.org/xsd/LOM"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
ITEM_SCHEMA = f"{NS} http://www.imsglobal.org/xsd/qti/qtiv2p1/imsqti_v2p1.xsd"
CP_SCHEMA = (
    f"{CP} http://www.imsglobal.org/xsd/imscp_v1p1.xsd {LOM} http://www.imsglobal.org/xsd/imsmd_loose_v1p3p2.xsd"
)
ITEM_RESOURCE = "imsqti_item_xmlv2p1"
FACTOR_KEYWORD = re.compile(r"factor-(\d+)$")
IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")
EXPLANATION = "EXPLANATION"
REPORT_NAME = "export-report.txt"

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
MAX_FILES = 2000
MAX_UNPACKED_BYTES = 20 * 1024 * 1024
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def q(tag: str) -> str:
    return f"{{{NS}}}{tag}"


# --- writing -------------------------------------------------------------------------------------------------------


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


def value(parent: etree._Element, text: Any) -> None:
    etree.SubElement(parent, q("value")).text = str(text)


def declaration(
    item: etree._Element, cardinality: str, base_type: str, correct: Iterable[Any], mapping: dict[str, float] | None
) -> etree._Element:
    response = etree.SubElement(
        item, q("responseDeclaration"), identifier="RESPONSE", cardinality=cardinality, baseType=base_type
    )
    correct_response = etree.SubElement(response, q("correctResponse"))
    for answer in correct:
        value(correct_response, answer)
    if mapping is not None:
        element = etree.SubElement(response, q("mapping"), defaultValue="0", lowerBound="0")
        for key, mapped in mapping.items():
            etree.SubElement(element, q("mapEntry"), mapKey=key, mappedValue=number(mapped))
    return response


def number(value: float) -> str:
    # Full precision, so the shares of a question's points add up to its points again.
    text = repr(float(value))
    return text.removesuffix(".0")


def outcomes(item: etree._Element, points: int) -> None:
    for identifier, cardinality, base_type, default in (
        ("SCORE", "single", "float", "0"),
        ("MAXSCORE", "single", "float", str(points)),
        ("FEEDBACK", "multiple", "identifier", None),
    ):
        outcome = etree.SubElement(
            item, q("outcomeDeclaration"), identifier=identifier, cardinality=cardinality, baseType=base_type
        )
        if default is not None:
            value(etree.SubElement(outcome, q("defaultValue")), default)


def set_score(parent: etree._Element, expression: etree._Element | None) -> None:
    target = etree.SubElement(parent, q("setOutcomeValue"), identifier="SCORE")
    if expression is None:
        etree.SubElement(target, q("baseValue"), baseType="float").text = "0"
    else:
        target.append(expression)


@dataclass
class Written:
    """What a type's writer adds besides the response declaration: the interaction, how SCORE is found, and the
    choices' own feedback."""

    interaction: etree._Element
    match: etree._Element | None = None  # a condition for full marks; None: SCORE is the mapped response
    feedback: list[tuple[str, str]] = field(default_factory=list)  # (choice identifier, HTML) shown when picked


def processing(item: etree._Element, written: Written, points: int) -> None:
    """SCORE from the mapping (partial credit) or from a match against the correct response; FEEDBACK names the
    explanation and, for choices, the picked options (each shows its own feedback)."""
    rules = etree.SubElement(item, q("responseProcessing"))
    condition = etree.SubElement(rules, q("responseCondition"))
    when_null = etree.SubElement(condition, q("responseIf"))
    null = etree.SubElement(when_null, q("isNull"))
    etree.SubElement(null, q("variable"), identifier="RESPONSE")
    set_score(when_null, None)
    if written.match is None:
        set_score(
            etree.SubElement(condition, q("responseElse")), etree.Element(q("mapResponse"), identifier="RESPONSE")
        )
    else:
        when_right = etree.SubElement(condition, q("responseElseIf"))
        when_right.append(written.match)
        full = etree.Element(q("baseValue"), baseType="float")
        full.text = str(points)
        set_score(when_right, full)
        set_score(etree.SubElement(condition, q("responseElse")), None)
    feedback = etree.SubElement(rules, q("setOutcomeValue"), identifier="FEEDBACK")
    shown = etree.SubElement(feedback, q("multiple"))
    etree.SubElement(shown, q("baseValue"), baseType="identifier").text = EXPLANATION
    if written.feedback:
        etree.SubElement(shown, q("variable"), identifier="RESPONSE")


def match_correct() -> etree._Element:
    match = etree.Element(q("match"))
    etree.SubElement(match, q("variable"), identifier="RESPONSE")
    etree.SubElement(match, q("correct"), identifier="RESPONSE")
    return match


def modal(item: etree._Element, identifier: str, html: str) -> None:
    add_html(
        etree.SubElement(
            item, q("modalFeedback"), outcomeIdentifier="FEEDBACK", identifier=identifier, showHide="show"
        ),
        html,
    )


def choice_item(item: etree._Element, question: Definition, points: int) -> Written:
    kind = question["type"]
    if kind == "true_false":
        choices = [
            ("true", "True", question.get("feedback_true", ""), question["answer"] is True),
            ("false", "False", question.get("feedback_false", ""), question["answer"] is False),
        ]
    else:
        choices = [
            (f"C{n}", option["text"], option.get("feedback", ""), option["correct"])
            for n, option in enumerate(question["options"], start=1)
        ]
    right = [identifier for identifier, _, _, correct in choices if correct]
    if kind == "multiple":
        share = points / len(right)
        mapping = {identifier: share if correct else -share for identifier, _, _, correct in choices}
        declaration(item, "multiple", "identifier", right, mapping)
    else:
        declaration(item, "single", "identifier", right, {right[0]: points})
    outcomes(item, points)
    interaction = etree.Element(
        q("choiceInteraction"),
        responseIdentifier="RESPONSE",
        shuffle="true",
        maxChoices="0" if kind == "multiple" else "1",
    )
    for identifier, text, _, _ in choices:
        add_html(etree.SubElement(interaction, q("simpleChoice"), identifier=identifier), render_inline(text))
    return Written(
        interaction, feedback=[(identifier, render_inline(text)) for identifier, _, text, _ in choices if text]
    )


def ordering_item(item: etree._Element, question: Definition, points: int) -> Written:
    identifiers = [f"I{n}" for n in range(1, len(question["items"]) + 1)]
    declaration(item, "ordered", "identifier", identifiers, None)
    outcomes(item, points)
    interaction = etree.Element(q("orderInteraction"), responseIdentifier="RESPONSE", shuffle="true")
    for identifier, text in zip(identifiers, question["items"], strict=True):
        add_html(etree.SubElement(interaction, q("simpleChoice"), identifier=identifier), render_inline(text))
    return Written(interaction, match=match_correct())


def matching_item(item: etree._Element, question: Definition, points: int) -> Written:
    size = len(question["pairs"])
    pairs = [f"L{n} R{n}" for n in range(1, size + 1)]
    declaration(item, "multiple", "directedPair", pairs, dict.fromkeys(pairs, points / size))
    outcomes(item, points)
    interaction = etree.Element(
        q("matchInteraction"), responseIdentifier="RESPONSE", shuffle="true", maxAssociations=str(size)
    )
    for side, prefix in (("left", "L"), ("right", "R")):
        match_set = etree.SubElement(interaction, q("simpleMatchSet"))
        for n, pair in enumerate(question["pairs"], start=1):
            choice = etree.SubElement(match_set, q("simpleAssociableChoice"), identifier=f"{prefix}{n}", matchMax="1")
            add_html(choice, render_inline(pair[side]))
    return Written(interaction)


def text_entry_item(item: etree._Element, question: Definition, points: int) -> Written:
    if question["type"] == "number":
        declaration(item, "single", "float", [question["answer"]], None)
    else:
        response = declaration(item, "single", "string", question["accepted"][:1], None)
        mapping = etree.SubElement(response, q("mapping"), defaultValue="0", lowerBound="0")
        for accepted in question["accepted"]:
            etree.SubElement(mapping, q("mapEntry"), mapKey=accepted, mappedValue=str(points), caseSensitive="false")
    outcomes(item, points)
    block = etree.Element(q("p"))
    etree.SubElement(block, q("textEntryInteraction"), responseIdentifier="RESPONSE", expectedLength="20")
    return Written(block, match=tolerance_match(question) if question["type"] == "number" else None)


def tolerance_match(question: Definition) -> etree._Element:
    tolerance = number(float(question.get("tolerance", 0)))
    equal = etree.Element(q("equal"), toleranceMode="absolute", tolerance=f"{tolerance} {tolerance}")
    etree.SubElement(equal, q("variable"), identifier="RESPONSE")
    etree.SubElement(equal, q("correct"), identifier="RESPONSE")
    return equal


def item_identifier(bank: Bank, question: Definition) -> str:
    identifier = f"{bank.slug}.{question['id']}"
    return identifier if IDENTIFIER.match(identifier) else f"_{identifier}"


# One writer per type QTI holds; the type's checks (holds_*) say which of its questions it can write exactly.
WRITERS: dict[str, Callable[[etree._Element, Definition, int], Written]] = {
    "single": choice_item,
    "multiple": choice_item,
    "true_false": choice_item,
    "ordering": ordering_item,
    "matching": matching_item,
    "short_text": text_entry_item,
    "number": text_entry_item,
}


def build_item(bank: Bank, question: Definition) -> etree._Element:
    points = int(question.get("points", 1))
    item = etree.Element(
        q("assessmentItem"),
        {f"{{{XSI}}}schemaLocation": ITEM_SCHEMA},
        nsmap={None: NS, "xsi": XSI},
        identifier=item_identifier(bank, question),
        title=question["id"],
        adaptive="false",
        timeDependent="false",
    )
    written = WRITERS[question["type"]](item, question, points)
    body = add_html(etree.SubElement(item, q("itemBody")), render_fragment(question["prompt"]))
    body.append(written.interaction)
    processing(item, written, points)
    modal(item, EXPLANATION, render_fragment(question.get("explanation") or ""))
    for identifier, html in written.feedback:
        modal(item, identifier, html)
    return item


def build_manifest(resources: list[tuple[str, str, int | None]]) -> etree._Element:
    manifest = etree.Element(
        f"{{{CP}}}manifest",
        {f"{{{XSI}}}schemaLocation": CP_SCHEMA},
        nsmap={None: CP, "imsmd": LOM, "xsi": XSI},
        identifier="MANIFEST-twelve-factor-academy",
    )
    metadata = etree.SubElement(manifest, f"{{{CP}}}metadata")
    etree.SubElement(metadata, f"{{{CP}}}schema").text = "QTIv2.1 Package"
    etree.SubElement(metadata, f"{{{CP}}}schemaversion").text = "1.0.0"
    etree.SubElement(manifest, f"{{{CP}}}organizations")
    listing = etree.SubElement(manifest, f"{{{CP}}}resources")
    for identifier, href, factor in resources:
        resource = etree.SubElement(listing, f"{{{CP}}}resource", identifier=identifier, type=ITEM_RESOURCE, href=href)
        if factor is not None:
            lom = etree.SubElement(etree.SubElement(resource, f"{{{CP}}}metadata"), f"{{{LOM}}}lom")
            keyword = etree.SubElement(etree.SubElement(lom, f"{{{LOM}}}general"), f"{{{LOM}}}keyword")
            etree.SubElement(keyword, f"{{{LOM}}}string").text = f"factor-{factor}"
        etree.SubElement(resource, f"{{{CP}}}file", href=href)
    return manifest


def xml_bytes(element: etree._Element) -> bytes:
    return etree.tostring(element, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def write(banks: list[Bank], report: ExportReport) -> bytes:
    buffer = io.BytesIO()
    resources = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for bank in banks:
            for question in QTI.sort(bank, report):
                item = build_item(bank, question)
                href = f"items/{item.get('identifier')}.xml"
                archive.writestr(href, xml_bytes(item))
                resources.append((item.get("identifier"), href, question.get("factor")))
        archive.writestr("imsmanifest.xml", xml_bytes(build_manifest(resources)))
        if report.lines():
            # Beside the manifest, not listed in it: importers ignore it, people unzipping the package read it.
            archive.writestr(REPORT_NAME, "\n".join(report.lines()) + "\n")
    return buffer.getvalue()


def holds_ordering(question: Definition) -> str | None:
    if question.get("scoring", "all_or_nothing") == "subsequence":
        return "QTI 2.1 response processing has no longest-subsequence rule, so its partial credit cannot be written"
    return None


def holds_short_text(question: Definition) -> str | None:
    if question.get("pattern"):
        return "QTI's patternMatch is a case-sensitive XML Schema regex, not ours; the pattern cannot be written"
    return None


def holds_every(question: Definition) -> str | None:
    return None


HOLDS = {"ordering": holds_ordering, "short_text": holds_short_text}


def unit_note(question: Definition) -> str | None:
    if question["type"] == "number" and question.get("unit"):
        return f"the unit ({question['unit']}) is left out: a QTI float entry takes the bare number"
    return None


# --- reading -------------------------------------------------------------------------------------------------------


class QtiError(Exception):
    def __init__(self, element: etree._Element | None, message: str) -> None:
        self.line = element.sourceline if element is not None else None
        super().__init__(message)


def local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


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


def child(parent: etree._Element, tag: str, *, required: bool = True) -> etree._Element | None:
    found = parent.find(q(tag))
    if found is None and required:
        raise QtiError(parent, f"<{local(parent)}> needs a <{tag}>")
    return found


def values(parent: etree._Element | None) -> list[str]:
    return [(v.text or "").strip() for v in parent.findall(q("value"))] if parent is not None else []


def parse_number(text: str, element: etree._Element) -> int | float:
    try:
        parsed = float(text)
    except ValueError:
        raise QtiError(element, f"{text!r} is not a number") from None
    return int(parsed) if re.fullmatch(r"[+-]?\d+", text) else parsed


@dataclass(frozen=True)
class Response:
    """An item's one response: its declaration (for error lines), correct values, mapping and the feedback texts."""

    item: etree._Element
    declaration: etree._Element
    correct: list[str]
    mapping: dict[str, float]
    feedback: dict[str, str]  # modalFeedback identifier -> HTML


def read_choice(interaction: etree._Element, response: Response) -> Definition:
    choices = interaction.findall(q("simpleChoice"))
    if len(choices) < 2:
        raise QtiError(interaction, "a choice interaction needs at least two simpleChoice")
    identifiers = [c.get("identifier", "") for c in choices]
    unknown = set(response.correct) - set(identifiers)
    if unknown:
        raise QtiError(response.declaration, f"the correct response names unknown choices: {sorted(unknown)}")
    single = interaction.get("maxChoices") == "1"
    feedback = response.feedback
    if single and set(identifiers) == {"true", "false"}:
        question: Definition = {"type": "true_false", "answer": response.correct == ["true"]}
        for name in ("true", "false"):
            if feedback.get(name):
                question[f"feedback_{name}"] = feedback[name]
        return question
    right = set(response.correct) or {key for key, mapped in response.mapping.items() if mapped > 0}
    options = []
    for identifier, choice in zip(identifiers, choices, strict=True):
        option: Definition = {"text": html_of(choice), "correct": identifier in right}
        if feedback.get(identifier):
            option["feedback"] = feedback[identifier]
        options.append(option)
    return {"type": "single" if single else "multiple", "options": options}


def read_order(interaction: etree._Element, response: Response) -> Definition:
    choices = {c.get("identifier"): html_of(c) for c in interaction.findall(q("simpleChoice"))}
    if sorted(response.correct) != sorted(choices):
        raise QtiError(response.declaration, "the correct order must name every choice once")
    return {"type": "ordering", "items": [choices[i] for i in response.correct]}


def read_match(interaction: etree._Element, response: Response) -> Definition:
    sets = interaction.findall(q("simpleMatchSet"))
    if len(sets) != 2:
        raise QtiError(interaction, "a match interaction needs two simpleMatchSet")
    left, right = ({c.get("identifier"): html_of(c) for c in s.findall(q("simpleAssociableChoice"))} for s in sets)
    partner = {}
    for pair in response.correct:
        source, _, target = pair.partition(" ")
        if source not in left or target not in right:
            raise QtiError(response.declaration, f"the pair {pair!r} names an unknown choice")
        partner[source] = target
    if set(partner) != set(left):
        raise QtiError(response.declaration, "the correct response must match every left-hand choice")
    return {"type": "matching", "pairs": [{"left": left[k], "right": right[partner[k]]} for k in left]}


def read_text_entry(interaction: etree._Element, response: Response) -> Definition:
    if response.declaration.get("baseType") == "float":
        if len(response.correct) != 1:
            raise QtiError(response.declaration, "a numeric entry needs one correct value")
        equal = response.item.find(f".//{q('equal')}")
        tolerance = (equal.get("tolerance") or "0").split()[0] if equal is not None else "0"
        return {
            "type": "number",
            "answer": parse_number(response.correct[0], response.declaration),
            "tolerance": parse_number(tolerance, equal if equal is not None else response.declaration),
        }
    accepted = [key for key, mapped in response.mapping.items() if mapped > 0] or response.correct
    if not accepted:
        raise QtiError(response.declaration, "a text entry needs a correct response or a mapping")
    return {"type": "short_text", "accepted": accepted}


# One reader per interaction we take in; any other interaction is an error naming its line.
READERS: dict[str, Callable[[etree._Element, Response], Definition]] = {
    "choiceInteraction": read_choice,
    "orderInteraction": read_order,
    "matchInteraction": read_match,
    "textEntryInteraction": read_text_entry,
}


def read_mapping(declaration: etree._Element) -> dict[str, float]:
    mapping = {}
    for entry in declaration.iterfind(f"{q('mapping')}/{q('mapEntry')}"):
        try:
            mapping[entry.get("mapKey", "")] = float(entry.get("mappedValue", "0"))
        except ValueError:
            raise QtiError(entry, f"mappedValue {entry.get('mappedValue')!r} is not a number") from None
    return mapping


def prompt_of(body: etree._Element, interaction: etree._Element) -> str:
    """The item body without its interaction (and the paragraph that only held it), then the interaction's own
    <prompt> (where other tools put the question), as HTML."""
    inner = interaction.find(q("prompt"))
    asked = f"<p>{html_of(inner)}</p>" if inner is not None and html_of(inner) else ""
    copy = etree.fromstring(etree.tostring(body))
    found = next(copy.iter(interaction.tag))
    parent = found.getparent()
    append_tail = found.tail
    parent.remove(found)
    if append_tail:
        append_text(parent, append_tail)
    if parent is not copy and local(parent) == "p" and not html_of(parent):
        parent.getparent().remove(parent)
    return "\n".join(part for part in (html_of(copy), asked) if part)


def read_item(root: etree._Element, *, factor: int | None) -> Definition:
    if root.tag != q("assessmentItem"):
        raise QtiError(root, f"expected a QTI 2.1 assessmentItem ({NS}), found <{root.tag}>")
    declarations = root.findall(q("responseDeclaration"))
    if len(declarations) != 1:
        raise QtiError(root, f"an item needs exactly one responseDeclaration, found {len(declarations)}")
    body = child(root, "itemBody")
    assert body is not None
    interactions = [e for e in body.iter() if local(e).endswith("Interaction")]
    if len(interactions) != 1:
        raise QtiError(body, f"an item needs exactly one interaction, found {len(interactions)}")
    interaction = interactions[0]
    reader = READERS.get(local(interaction))
    if reader is None:
        raise QtiError(interaction, f"{local(interaction)} is not supported (we read {', '.join(READERS)})")
    response = Response(
        item=root,
        declaration=declarations[0],
        correct=values(declarations[0].find(q("correctResponse"))),
        mapping=read_mapping(declarations[0]),
        feedback={e.get("identifier", ""): html_of(e) for e in root.findall(q("modalFeedback"))},
    )
    question: Definition = {
        "id": key_from_title(root.get("identifier", "").split(".", 1)[-1]),
        "prompt": prompt_of(body, interaction),
        "explanation": response.feedback.get(EXPLANATION, ""),
        **reader(interaction, response),
    }
    maxscore = root.find(f"{q('outcomeDeclaration')}[@identifier='MAXSCORE']")
    points = values(maxscore.find(q("defaultValue"))) if maxscore is not None else []
    if points and parse_number(points[0], maxscore) != 1:
        question["points"] = round(float(points[0]))
    if factor is not None:
        question["factor"] = factor
    return question


def unpack(data: bytes, path: Path) -> dict[str, bytes]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ContentError([ContentProblem(path, None, "not a zip file (a QTI package is a .zip)")]) from None
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_FILES or sum(e.file_size for e in entries) > MAX_UNPACKED_BYTES:
            raise ContentError([ContentProblem(path, None, "the package is too large once unpacked")])
        return {e.filename: archive.read(e) for e in entries if not e.is_dir()}


def parse_xml(data: bytes, path: Path) -> etree._Element:
    try:
        return etree.fromstring(data, PARSER)
    except etree.XMLSyntaxError as error:
        raise ContentError([ContentProblem(path, error.lineno, f"invalid XML: {error.msg}")]) from None


def read(data: bytes, filename: str) -> list[ReadQuestion]:
    """The items of a QTI 2.1 package, as definitions; ContentError naming the file and line of every problem."""
    files = unpack(data, Path(filename))
    if "imsmanifest.xml" not in files:
        raise ContentError([ContentProblem(Path(filename), None, "no imsmanifest.xml at the package root")])
    manifest = parse_xml(files["imsmanifest.xml"], Path("imsmanifest.xml"))
    problems: list[ContentProblem] = []
    questions: list[ReadQuestion] = []
    for resource in manifest.iter(f"{{{CP}}}resource"):
        if not (resource.get("type") or "").startswith(ITEM_RESOURCE):
            continue
        href = resource.get("href") or ""
        keywords = [(s.text or "").strip() for s in resource.iter(f"{{{LOM}}}string")]
        factor = next((int(m.group(1)) for k in keywords if (m := FACTOR_KEYWORD.match(k))), None)
        if href not in files:
            problems.append(ContentProblem(Path("imsmanifest.xml"), resource.sourceline, f"{href!r} is not in the zip"))
            continue
        try:
            root = parse_xml(files[href], Path(href))
            questions.append(ReadQuestion(read_item(root, factor=factor), root.sourceline, href))
        except ContentError as error:
            problems.extend(error.problems)
        except QtiError as error:
            problems.append(ContentProblem(Path(href), error.line, str(error)))
    if problems:
        raise ContentError(problems)
    if not questions:
        raise ContentError([ContentProblem(Path(filename), None, "the manifest lists no QTI 2.1 items")])
    return questions


QTI = register(
    Format(
        key="qti",
        name="QTI 2.1",
        extension="zip",
        content_type="application/zip",
        holds={kind: HOLDS.get(kind, holds_every) for kind in WRITERS},
        cannot={
            "spot": "QTI 2.1's hottextInteraction could mark lines, but Canvas and Brightspace do not import it, and a "
            "multiple choice over the lines would lose the highlighted snippet",
        },
        notes=(unit_note,),
        write=write,
        read=read,
    )
)

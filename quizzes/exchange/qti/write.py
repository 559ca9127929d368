"""QTI 2.1 items and their package from our question definitions. Each item scores itself into SCORE (out of
MAXSCORE, the question's points) with our grader's rule; the explanation is a modal feedback shown after every
response and an option's own feedback is shown when that option is picked."""

import io
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from courses.markdown import render_fragment
from quizzes.exchange import Bank, ExportReport, exchange_format
from quizzes.exchange.qti.names import (
    CP,
    CP_SCHEMA,
    EXPLANATION,
    ITEM_RESOURCE,
    ITEM_SCHEMA,
    LOM,
    NS,
    REPORT_NAME,
    XSI,
    q,
)
from quizzes.exchange.qti.xhtml import add_html
from quizzes.rendering import render_inline
from quizzes.types.base import Definition

IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_.-]*$")


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
            for question in exchange_format("qti").sort(bank, report):
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

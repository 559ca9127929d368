"""Our questions from a QTI 2.1 package: strict, since no XSD ships in a package on PyPI to check it with. What it
does not understand is an error naming the file and line."""

import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from courses.content.errors import ContentError, ContentProblem
from quizzes.exchange import ReadQuestion, key_from_title
from quizzes.exchange.qti.names import CP, EXPLANATION, ITEM_RESOURCE, LOM, NS, local, q
from quizzes.exchange.qti.xhtml import append_text, html_of
from quizzes.types.base import Definition

FACTOR_KEYWORD = re.compile(r"factor-(\d+)$")
# Upload limits: a package is small text; anything bigger is a mistake or a zip bomb.
MAX_FILES = 2000
MAX_UNPACKED_BYTES = 20 * 1024 * 1024
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


class QtiError(Exception):
    def __init__(self, element: etree._Element | None, message: str) -> None:
        self.line = element.sourceline if element is not None else None
        super().__init__(message)


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

"""QTI 2.1 packages: their structure, what the strict reader rejects (with file and line), the XHTML mapping."""

import io
import zipfile

import pytest
from lxml import etree

from courses.content.errors import ContentError
from quizzes.exchange import Bank, ExportReport
from quizzes.exchange.qti import CP, NS, QTI, qti_html

QUESTIONS = [
    {
        "id": "env",
        "type": "multiple",
        "prompt": "Where does **config** live?",
        "options": [
            {"text": "In `os.environ`", "correct": True, "feedback": "Yes."},
            {"text": "In the code", "correct": False},
            {"text": "In the deploy's env", "correct": True},
        ],
        "explanation": "Factor III.",
        "factor": 3,
    },
    {"id": "steps", "type": "ordering", "prompt": "Order", "items": ["build", "release", "run"], "explanation": "V."},
]


def package(questions=QUESTIONS) -> bytes:
    return QTI.write([Bank("quiz", "Quiz", questions)], ExportReport())


def rezip(data: bytes, **replace: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for name in source.namelist():
            target.writestr(name, replace.get(name, source.read(name)))
    return buffer.getvalue()


def test_package_lists_every_item_in_its_manifest():
    archive = zipfile.ZipFile(io.BytesIO(package()))
    manifest = etree.fromstring(archive.read("imsmanifest.xml"))

    resources = manifest.findall(f".//{{{CP}}}resource")
    assert [r.get("type") for r in resources] == ["imsqti_item_xmlv2p1"] * 2
    assert sorted(r.get("href") for r in resources) == sorted(n for n in archive.namelist() if n.startswith("items/"))
    item = etree.fromstring(archive.read("items/quiz.env.xml"))
    assert item.tag == f"{{{NS}}}assessmentItem"
    # Partial credit as ours: +1/2 per right pick, -1/2 per wrong one, floor 0.
    entries = {e.get("mapKey"): float(e.get("mappedValue")) for e in item.iter(f"{{{NS}}}mapEntry")}
    assert entries == {"C1": 0.5, "C2": -0.5, "C3": 0.5}
    assert item.find(f".//{{{NS}}}mapping").get("lowerBound") == "0"


def test_xhtml_keeps_qti_elements_and_maps_the_others():
    assert qti_html('<p>a <code>b</code> <del class="x" onclick="y">c</del></p>') == (
        '<p>a <code>b</code> <span class="x">c</span></p>'
    )
    assert qti_html("<details><summary>s</summary><p>t</p></details>") == "<div><div>s</div><p>t</p></div>"
    assert qti_html('<p><a href="https://12factor.net" target="_blank">x</a></p>') == (
        '<p><a href="https://12factor.net">x</a></p>'
    )


def test_read_names_the_file_and_line_of_an_unsupported_interaction():
    data = package()
    item = zipfile.ZipFile(io.BytesIO(data)).read("items/quiz.steps.xml").decode()
    item = item.replace("orderInteraction", "hotspotInteraction")

    with pytest.raises(ContentError) as caught:
        QTI.read(rezip(data, **{"items/quiz.steps.xml": item.encode()}), "upload.zip")

    [problem] = caught.value.problems
    assert str(problem.path) == "items/quiz.steps.xml"
    assert problem.line == item.splitlines().index(next(x for x in item.splitlines() if "<hotspotInteraction" in x)) + 1
    assert "hotspotInteraction is not supported" in problem.message


def test_read_reports_invalid_xml_with_its_line():
    data = rezip(
        package(), **{"items/quiz.env.xml": b"<?xml version='1.0'?>\n<assessmentItem>\n<oops></assessmentItem>"}
    )

    with pytest.raises(ContentError) as caught:
        QTI.read(data, "upload.zip")

    [problem] = caught.value.problems
    assert (str(problem.path), problem.line) == ("items/quiz.env.xml", 3)
    assert "invalid XML" in problem.message


def test_read_refuses_entities():
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><manifest>&a;</manifest>'
    with pytest.raises(ContentError):
        QTI.read(rezip(package(), **{"imsmanifest.xml": bomb}), "upload.zip")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not a zip", "not a zip file"),
        (rezip(package(), **{"imsmanifest.xml": b"<manifest xmlns='x'/>"}), "lists no QTI 2.1 items"),
    ],
)
def test_read_rejects_what_is_not_a_package(data, message):
    with pytest.raises(ContentError, match=message):
        QTI.read(data, "upload.zip")


def test_read_rejects_a_manifest_naming_a_missing_file():
    archive = zipfile.ZipFile(io.BytesIO(package()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        target.writestr("imsmanifest.xml", archive.read("imsmanifest.xml"))

    with pytest.raises(ContentError) as caught:
        QTI.read(buffer.getvalue(), "upload.zip")

    assert {str(p.path) for p in caught.value.problems} == {"imsmanifest.xml"}
    assert all("is not in the zip" in p.message for p in caught.value.problems)


FOREIGN_ITEM = b"""<?xml version="1.0" encoding="UTF-8"?>
<assessmentItem xmlns="http://www.imsglobal.org/xsd/imsqti_v2p1" identifier="choice-1" title="Backing services"
    adaptive="false" timeDependent="false">
  <responseDeclaration identifier="RESPONSE" cardinality="single" baseType="identifier">
    <correctResponse><value>B</value></correctResponse>
  </responseDeclaration>
  <outcomeDeclaration identifier="SCORE" cardinality="single" baseType="float"/>
  <itemBody>
    <choiceInteraction responseIdentifier="RESPONSE" shuffle="false" maxChoices="1">
      <prompt>A database is a ...</prompt>
      <simpleChoice identifier="A">local file</simpleChoice>
      <simpleChoice identifier="B">attached resource</simpleChoice>
    </choiceInteraction>
  </itemBody>
  <responseProcessing template="http://www.imsglobal.org/question/qti_v2p1/rptemplates/match_correct"/>
</assessmentItem>
"""

FOREIGN_MANIFEST = b"""<?xml version="1.0" encoding="UTF-8"?>
<manifest xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" identifier="M1">
  <organizations/>
  <resources>
    <resource identifier="R1" type="imsqti_item_xmlv2p1" href="choice-1.xml"><file href="choice-1.xml"/></resource>
  </resources>
</manifest>
"""


def test_read_an_item_another_tool_wrote():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("imsmanifest.xml", FOREIGN_MANIFEST)
        archive.writestr("choice-1.xml", FOREIGN_ITEM)

    [read] = QTI.read(buffer.getvalue(), "canvas.zip")

    assert read.definition["id"] == "choice-1"
    assert read.definition["type"] == "single"
    assert [(o["text"], o["correct"]) for o in read.definition["options"]] == [
        ("local file", False),
        ("attached resource", True),
    ]
    assert "A database is a" in read.definition["prompt"]
    assert read.definition["explanation"] == ""

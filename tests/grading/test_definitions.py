import pytest

from labs.grading.checks import REGISTRY
from labs.grading.definitions import LabDefinitionError, load_lab, parse_contract, submission_contract


def test_audit_lab_runs_every_registered_check():
    lab = load_lab("audit")
    assert set(lab.checks) == set(REGISTRY)
    assert lab.factors == tuple(range(1, 13))
    assert lab.submission_contract


def test_every_factor_has_a_static_and_a_dynamic_check():
    for factor in range(1, 13):
        kinds = {spec.kind for spec in REGISTRY.values() if spec.factor == factor}
        assert kinds == {"static", "dynamic"}, factor
        assert sum(spec.factor == factor for spec in REGISTRY.values()) >= 2


def test_hints_link_to_lesson_sections():
    for spec in REGISTRY.values():
        assert "/courses/twelve-factor/" in spec.hint, spec.id


@pytest.mark.parametrize("slug", ["../etc", "Audit", "", "a/b"])
def test_invalid_slugs_are_refused(slug):
    with pytest.raises(LabDefinitionError):
        load_lab(slug)


def test_unknown_lab(tmp_path):
    with pytest.raises(LabDefinitionError, match="no lab named"):
        load_lab("nope", tmp_path)


def test_lab_with_unknown_check(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "lab.yaml").write_text("title: X\nchecks:\n  made.up: 10\n")
    with pytest.raises(LabDefinitionError, match="unknown check"):
        load_lab("x", tmp_path)


def test_contract_parsing():
    contract = parse_contract(
        {
            "state_write": {"path": "/counter"},
            "state_read": {"path": "/counter"},
            "slow": {"path": "/slow", "seconds": 2},
        }
    )
    assert contract.state_write.method == "POST"
    assert contract.state_read.method == "GET"
    assert contract.slow_seconds == 2.0
    assert contract.health.path == "/"


@pytest.mark.parametrize(
    "raw",
    [
        {"state_write": {"path": "/x"}},
        {"slow": {"path": "http://evil/", "seconds": 1}},
        {"slow": {"path": "/slow", "seconds": 60}},
        {"health": {"path": "/", "method": "TRACE"}},
        {"surprise": {}},
    ],
)
def test_bad_contracts_are_refused(raw):
    with pytest.raises(LabDefinitionError):
        parse_contract(raw)


def test_submission_contract_problems_are_reported_not_raised():
    contract, problem = submission_contract("contract:\n  slow: {path: nope}\n")
    assert contract is None
    assert "path" in problem
    assert submission_contract("just: text") == (None, None)
    assert submission_contract(None) == (None, None)


def test_hint_anchors_exist_in_the_lessons():
    from pathlib import Path

    from markdown.extensions.toc import slugify

    lessons = Path(__file__).resolve().parents[2] / "content" / "courses" / "twelve-factor" / "lessons"
    anchors: dict[str, set[str]] = {}
    for path in lessons.glob("[0-9][0-9]-*.md"):
        text = path.read_text()
        slug = next(line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("slug:"))
        anchors[slug] = {slugify(line.lstrip("#").strip(), "-") for line in text.splitlines() if line.startswith("##")}
    if not anchors:
        pytest.skip("no lessons in this checkout")
    for spec in REGISTRY.values():
        url = spec.hint.rsplit("See ", 1)[1]
        slug, _, anchor = url.removeprefix("/courses/twelve-factor/").partition("/#")
        assert slug in anchors, spec.id
        assert not anchor or anchor in anchors[slug], (spec.id, anchor)

"""labs.loader: every lab.yaml is validated, and every problem is reported with its file and line."""

import functools
import shutil
from pathlib import Path

import pytest

from courses.content.errors import ContentError
from courses.content.frontmatter import parse_lesson
from courses.markdown import render_lesson
from courses.models import Course, Lesson
from labs.grading.definitions import LABS_DIR
from labs.loader import lab_problems, load_course_labs

COURSE_DIR = LABS_DIR.parent

LAB = """\
title: "A guided lab"
factors: [7]
pass_mark: 95
targets:
  - port-binding.all-interfaces
checks:
  port-binding.all-interfaces: 40
  port-binding.answers-http: 10
contract:
  health: {path: /healthz}
"""
WEB = """\
from flask import Flask

app = Flask(__name__)


@app.get("/healthz")
def healthz():
    return "ok"
"""


def make_lab(root: Path, lab_yaml: str = LAB, *, slug: str = "guided", files: dict[str, str] | None = None) -> Path:
    directory = root / "labs" / slug
    starter = {
        "Procfile": "web: gunicorn --bind 127.0.0.1:$PORT app.web:app\n",
        "requirements.txt": "Flask==3.1.3\ngunicorn==27.0.1\n",
        "app/__init__.py": "",
        "app/web.py": WEB,
    }
    for rel, text in {"lab.yaml": lab_yaml, **{f"starter/{k}": v for k, v in starter.items()}, **(files or {})}.items():
        path = directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return directory


def problems(directory: Path, **kwargs) -> list[str]:
    return [f"{p.path.name}:{p.line}: {p.message}" for p in lab_problems(directory, **kwargs)]


@functools.cache
def real_lessons() -> dict[str, tuple[str, int, list]]:
    lessons = {}
    for path in (COURSE_DIR / "lessons").glob("*.md"):
        source = parse_lesson(path, [])
        lessons[source.meta["slug"]] = (
            source.meta["title"],
            source.meta["factor"],
            render_lesson(source.body, title=source.meta["title"]).toc,
        )
    return lessons


def test_valid_lab_has_no_problems(tmp_path):
    assert problems(make_lab(tmp_path)) == []


def test_every_course_lab_is_valid():
    anchors = {slug: {h["id"] for h in _flatten(toc)} for slug, (_, _, toc) in real_lessons().items()}
    for directory in sorted(p for p in (COURSE_DIR / "labs").iterdir() if p.is_dir()):
        assert problems(directory, lessons=anchors) == [], directory.name


@pytest.mark.django_db
def test_load_course_labs_reads_lessons_from_the_course(tmp_path):
    course, _ = Course.objects.get_or_create(slug="twelve-factor", defaults={"title": "Twelve-Factor"})
    course.lessons.all().delete()
    for order, (slug, (title, factor, toc)) in enumerate(sorted(real_lessons().items())):
        Lesson.objects.create(course=course, slug=slug, title=title, factor=factor, order=order, html="", toc=toc)
    load_course_labs(course=course, course_dir=COURSE_DIR)  # the real labs: no error

    broken = tmp_path / "course"
    make_lab(broken, files={"README.md": "See [logs](/courses/twelve-factor/logs/#no-such-section).\n"})
    with pytest.raises(ContentError) as raised:
        load_course_labs(course=course, course_dir=broken)
    [problem] = raised.value.problems
    assert (problem.path.name, problem.line) == ("README.md", 1)
    assert "no section #no-such-section" in problem.message


def test_unknown_check_id_names_the_line_and_a_suggestion(tmp_path):
    lab = make_lab(tmp_path, LAB.replace("port-binding.answers-http: 10", "port-binding.answer-http: 10"))
    assert problems(lab) == [
        "lab.yaml:8: unknown check 'port-binding.answer-http' (did you mean port-binding.answers-http?)"
    ]


def test_all_problems_are_reported_together(tmp_path):
    text = (
        LAB.replace("factors: [7]", "factors: [7, 3]")
        .replace("answers-http: 10", "answers-http: 0")
        .replace("  health: {path: /healthz}", "  health: {path: healthz}")
        .replace("title:", "colour: blue\ntitle:")
    )
    found = problems(make_lab(tmp_path, text))
    assert found == [
        "lab.yaml:1: unknown key 'colour' (known: allow_samples, checks, contract, factors, limits, pass_mark, "
        "submission_contract, targets, title)",
        "lab.yaml:9: weight of port-binding.answers-http must be a positive integer, not 0",
        "lab.yaml:3: factors [3, 7] do not match the targets: no target covers [3]",
        "lab.yaml:11: contract.health: path must start with / and be a plain URL path",
    ]


def test_invalid_yaml_names_the_line(tmp_path):
    found = problems(make_lab(tmp_path, LAB.replace("checks:\n", "checks:\n  - [unclosed\n")))
    assert len(found) == 1
    assert found[0].startswith("lab.yaml:8: not valid YAML")


def test_target_must_be_one_of_the_checks(tmp_path):
    lab = make_lab(tmp_path, LAB.replace("  - port-binding.all-interfaces\n", "  - port-binding.reads-port\n"))
    assert "lab.yaml:5: target port-binding.reads-port is not among the lab's checks" in problems(lab)


def test_factors_must_match_the_targets(tmp_path):
    lab = make_lab(tmp_path, LAB.replace("factors: [7]", "factors: [11]"))
    assert problems(lab) == [
        "lab.yaml:2: factors [11] do not match the targets: its targets also cover [7]; no target covers [11]"
    ]


def test_without_targets_factors_match_all_checks(tmp_path):
    text = "title: Capstone-like\nfactors: [7]\npass_mark: 100\nchecks:\n  logs.output-to-stdout: 10\n"
    found = problems(make_lab(tmp_path, text))
    assert found == ["lab.yaml:2: factors [7] do not match the checks: its checks also cover [11]; no check covers [7]"]


def test_target_weight_too_small_to_matter(tmp_path):
    text = LAB.replace("all-interfaces: 40", "all-interfaces: 4").replace("answers-http: 10", "answers-http: 100")
    assert problems(make_lab(tmp_path, text)) == [
        "lab.yaml:7: weight 4 of target port-binding.all-interfaces is too small: with only that target warning, "
        "a learner would score 98 and reach the pass mark 95"
    ]


def test_share_nothing_needs_the_state_contract(tmp_path):
    text = LAB.replace(
        "  port-binding.answers-http: 10\n", "  port-binding.answers-http: 10\n  processes.share-nothing: 5\n"
    )
    assert problems(make_lab(tmp_path, text)) == [
        "lab.yaml:10: processes.share-nothing needs a contract with state_write and state_read (or submission_contract)"
    ]


def test_contract_path_must_be_served_by_the_starter(tmp_path):
    text = LAB.replace("  health: {path: /healthz}", "  health: {path: /healthz}\n  slow: {path: /export}")
    assert problems(make_lab(tmp_path, text)) == [
        "lab.yaml:9: contract slow path /export is not a route of the starter (no '/export' in its code)"
    ]


def test_starter_without_a_web_process_is_not_runnable(tmp_path):
    lab = make_lab(tmp_path, files={"starter/Procfile": "worker: python -m app.worker\n"})
    assert problems(lab) == ["Procfile:None: the starter is not runnable: no Procfile with a `web:` process"]


def test_starter_web_must_serve_a_module_it_has(tmp_path):
    lab = make_lab(tmp_path, files={"starter/Procfile": "web: gunicorn --bind 0.0.0.0:$PORT app.wsgi:app\n"})
    assert problems(lab) == ["Procfile:1: web: serves app.wsgi, which the starter lacks"]


def test_starter_code_must_parse(tmp_path):
    lab = make_lab(tmp_path, files={"starter/app/broken.py": "def broken(:\n"})
    assert problems(lab) == ["broken.py:1: the starter's code does not parse: invalid syntax"]


def test_lab_with_targets_needs_a_starter(tmp_path):
    lab = make_lab(tmp_path)
    shutil.rmtree(lab / "starter")
    assert problems(lab) == ["lab.yaml:4: a lab with targets needs a starter/ the learner begins from"]


def test_lab_folder_without_lab_yaml(tmp_path):
    (tmp_path / "labs" / "empty").mkdir(parents=True)
    assert problems(tmp_path / "labs" / "empty") == ["empty:None: a lab needs a lab.yaml"]


def _flatten(toc: list[dict]) -> list[dict]:
    out = []
    for heading in toc:
        out.append(heading)
        out.extend(_flatten(heading.get("children", [])))
    return out

"""Every fenced code block in the course content is checked by its language, so a sample cannot break silently.

Read: lessons (content/courses/*/lessons/*.md), lab READMEs, fenced blocks inside quiz texts (prompts, explanations,
feedback) and the code of spot-the-violation questions. content/FORMAT.md is the authors' guide: its fences show
markdown, not samples.

By language:
- python: compiles; calls into the libraries in SIGNATURE_CHECKED bind to their real signatures (inspect), and so
  do bare calls to Django's mail and shortcut functions that samples use without importing them;
- json, yaml, toml, ini: parse (an ini block without a section header is read as an env file);
- bash, sh, shell: `bash -n`;
- javascript: `node --check` (as an ES module when the block imports or exports);
- dockerfile: read by the grader's own reader (labs.grading.process_types.dockerfile): every instruction is
  known, nothing but ARG comes before FROM, exec-form arrays are valid JSON;
- a Procfile (fenced as `text`, marked as below; in a spot question, text with a web/worker/release line): the
  grader's own reader, labs.grading.process_types.descriptors.read_procfile.
Other languages are listed in UNCHECKED with the reason.

Markers are an attribute list on the fence, which pymdown's superfences accepts (and renders as a data attribute):

    ```python {data-sample="run"}         runs in a subprocess of this venv's Python, in an empty scratch directory,
                                          with a clean environment: its imports must resolve and it must exit 0
    ```text {data-sample="procfile"}      a Procfile: every line must parse as `type: command`
    ```python {data-sample="broken" data-reason="why"}   deliberately broken: skipped, with the reason

A spot question's code is an anti-pattern by design, but still has to parse: it gets the same checks, without markers.
"""

import ast
import configparser
import importlib
import inspect
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from markdown.extensions.attr_list import get_attrs
from pymdownx.superfences import RE_NESTED_FENCE_START

from labs.grading.process_types import dockerfile
from labs.grading.process_types.descriptors import read_procfile
from labs.grading.repo import Repo

REPO_ROOT = Path(__file__).resolve().parents[2]
CONTENT = REPO_ROOT / "content"
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
MARKERS = {"run", "procfile", "broken"}
ALIASES = {"py": "python", "js": "javascript", "yml": "yaml", "docker": "dockerfile", "sh": "bash", "shell": "bash"}
PROCFILE_LINE = re.compile(r"^(web|worker|release): ", re.M)
UNCHECKED = {
    "text": "free text (log lines, output); Procfiles are marked data-sample=procfile",
    "mermaid": "a diagram: load_content checks its text alternative and the browser renders it",
    "go": "no Go toolchain on the test machines",
    "ruby": "no Ruby on the test machines",
    "java": "javac has no syntax-only mode, and the samples are fragments of larger programs",
}
# Libraries in this venv whose calls in samples are bound against the real signatures.
SIGNATURE_CHECKED = ("django", "environ", "pythonjsonlogger", "redis")
# Bare names samples use without an import, as a view module would have them.
UNIMPORTED_DJANGO = ("django.core.mail", "django.shortcuts")
DOCKERFILE_INSTRUCTIONS = {
    "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL", "MAINTAINER",
    "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
}  # fmt: skip
EXEC_FORM = {"CMD", "ENTRYPOINT", "RUN", "SHELL"}


@dataclass(frozen=True)
class Block:
    source: str  # twelve-factor/lessons/08-concurrency.md:105 (the fence's line), or quizzes/logs.yaml:<question id>
    language: str
    attrs: dict[str, str]
    code: str

    @property
    def marker(self) -> str | None:
        return self.attrs.get("data-sample")


def fenced_blocks(text: str, where: str) -> list[Block]:
    """Fenced blocks of a markdown text, nested ones (tabs, callouts) included, parsed as superfences parses them."""
    blocks, lines, index = [], text.splitlines(), 0
    while index < len(lines):
        match = FENCE.match(lines[index])
        header = RE_NESTED_FENCE_START.match(lines[index].strip()) if match else None
        if not header:
            index += 1
            continue
        indent, fence = len(match["indent"]), match["fence"]
        pairs = get_attrs(header["attrs"] or "")
        attrs = {key: value for key, value in pairs if key != "."}
        classes = [value for key, value in pairs if key == "."]
        language = (header["lang"] or (classes[0] if classes else "")).lower()
        language = ALIASES.get(language, language)
        body, end = [], index + 1
        while end < len(lines) and not re.match(rf"^\s*{re.escape(fence[0])}{{{len(fence)},}}\s*$", lines[end]):
            body.append(lines[end][indent:] if lines[end][:indent].strip() == "" else lines[end])
            end += 1
        blocks.append(Block(f"{where}:{index + 1}", language, attrs, "\n".join(body) + "\n"))
        index = end + 1
    return blocks


def quiz_texts(node) -> list[str]:
    if isinstance(node, str):
        return [node]
    if isinstance(node, dict):
        return [text for key, value in node.items() if key != "code" for text in quiz_texts(value)]
    if isinstance(node, list):
        return [text for value in node for text in quiz_texts(value)]
    return []


def content_blocks() -> list[Block]:
    blocks = []
    for path in sorted(CONTENT.glob("courses/*/lessons/*.md")) + sorted(CONTENT.glob("courses/*/labs/*/README.md")):
        blocks += fenced_blocks(path.read_text(encoding="utf-8"), str(path.relative_to(CONTENT / "courses")))
    for path in sorted(CONTENT.glob("courses/*/quizzes/*.yaml")):
        where = str(path.relative_to(CONTENT / "courses"))
        for question in yaml.safe_load(path.read_text(encoding="utf-8"))["questions"]:
            for text in quiz_texts(question):
                blocks += fenced_blocks(text, f"{where}:{question['id']}")
            if question["type"] == "spot":
                language = ALIASES.get(question["language"], question["language"])
                procfile = language == "text" and PROCFILE_LINE.search(question["code"])
                attrs = {"data-sample": "procfile"} if procfile else {}
                blocks.append(Block(f"{where}:{question['id']}:code", language, attrs, question["code"]))
    return blocks


BLOCKS = content_blocks()


def checked(block: Block):
    return pytest.param(block, id=f"{block.source}-{block.language}")


# --- python -------------------------------------------------------------------------------------------------------


def imported_names(tree: ast.Module) -> dict[str, str]:
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                top = alias.name.partition(".")[0]
                names[alias.asname or top] = alias.name if alias.asname else top
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                names[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return names


def defined_names(tree: ast.Module) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return names


def dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = dotted(node.value)
        return f"{base}.{node.attr}" if base else None
    return None


def resolve(path: str):
    """The object a dotted path names, importing the longest module prefix; None when it cannot be found."""
    parts = path.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
        except AttributeError:
            return None
        return obj
    return None


def signature_problems(code: str) -> list[str]:
    tree = ast.parse(code)
    imported, defined = imported_names(tree), defined_names(tree)
    problems = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or (name := dotted(node.func)) is None:
            continue
        head, _, rest = name.partition(".")
        if head in imported:
            path = ".".join(filter(None, [imported[head], rest]))
        elif head not in defined and not rest:
            path = next((f"{m}.{head}" for m in UNIMPORTED_DJANGO if hasattr(importlib.import_module(m), head)), "")
        else:
            continue
        if not path.startswith(tuple(f"{lib}." for lib in SIGNATURE_CHECKED)):
            continue
        if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
            continue
        target = resolve(path)
        try:
            signature = inspect.signature(target)
        except (TypeError, ValueError):
            continue
        try:
            signature.bind(*node.args, **{k.arg: k.value for k in node.keywords})
        except TypeError as error:
            problems.append(f"line {node.lineno} of the block: {name}(...) does not fit {path}: {error}")
    return problems


def check_python(block: Block, tmp_path: Path) -> None:
    compile(block.code, block.source, "exec")
    problems = signature_problems(block.code)
    assert not problems, problems
    if block.marker == "run":
        script = tmp_path / "sample.py"
        script.write_text(block.code)
        env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "LANG": "C.UTF-8"}
        result = subprocess.run(
            [sys.executable, "-I", str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 0, result.stderr


# --- other languages ----------------------------------------------------------------------------------------------


def check_ini(block: Block, tmp_path: Path) -> None:
    parser = configparser.ConfigParser(interpolation=None)
    code = block.code if re.search(r"^\s*\[", block.code, re.M) else "[env]\n" + block.code
    parser.read_string(code, source=block.source)


def check_shell(block: Block, tmp_path: Path) -> None:
    result = subprocess.run(["bash", "-n"], input=block.code, capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr


def check_javascript(block: Block, tmp_path: Path) -> None:
    if shutil.which("node") is None:
        pytest.skip("node is not installed")
    module = re.search(r"^\s*(import\s|export\s)", block.code, re.M)
    script = tmp_path / ("sample.mjs" if module else "sample.cjs")
    script.write_text(block.code)
    result = subprocess.run(["node", "--check", str(script)], capture_output=True, text=True, timeout=30)
    assert result.returncode == 0, result.stderr


def check_dockerfile(block: Block, tmp_path: Path) -> None:
    instructions = dockerfile.instructions(block.code)
    assert instructions, "no instructions"
    words = [i.keyword for i in instructions]
    assert not set(words) - DOCKERFILE_INSTRUCTIONS, f"unknown instructions: {set(words) - DOCKERFILE_INSTRUCTIONS}"
    if "FROM" in words:  # without one, the block is an excerpt of a Dockerfile
        assert next(w for w in words if w != "ARG") == "FROM", "only ARG may come before the first FROM"
    for instruction in instructions:
        assert instruction.args, f"{instruction.keyword} has no arguments"
        if instruction.keyword in EXEC_FORM and instruction.args.startswith("["):
            # Docker silently falls back to the shell form when the array is not valid JSON.
            value = json.loads(instruction.args)
            assert isinstance(value, list) and all(isinstance(v, str) for v in value), instruction


def check_procfile(block: Block, tmp_path: Path) -> None:
    (tmp_path / "Procfile").write_text(block.code)
    notes: list[str] = []
    entries = read_procfile(Repo(tmp_path), "Procfile", notes)
    lines = [line for line in block.code.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert not notes and len(entries) == len(lines), f"lines the grader does not read as a process: {notes}"
    assert all(entry.command for entry in entries), entries


CHECKERS = {
    "python": check_python,
    "json": lambda block, tmp_path: json.loads(block.code),
    "yaml": lambda block, tmp_path: list(yaml.safe_load_all(block.code)),
    "toml": lambda block, tmp_path: tomllib.loads(block.code),
    "ini": check_ini,
    "bash": check_shell,
    "javascript": check_javascript,
    "dockerfile": check_dockerfile,
}


def checker(block: Block):
    return check_procfile if block.marker == "procfile" else CHECKERS.get(block.language)


@pytest.mark.parametrize("block", [checked(b) for b in BLOCKS if checker(b) or b.marker == "broken"])
def test_code_sample(block: Block, tmp_path: Path) -> None:
    if block.marker == "broken":
        pytest.skip(f"deliberately broken: {block.attrs['data-reason']}")
    checker(block)(block, tmp_path)


def test_every_block_is_checked_or_has_a_reason_not_to_be():
    assert BLOCKS
    unknown = {(b.source, b.language) for b in BLOCKS if not checker(b) and b.language not in UNCHECKED}
    assert not unknown, "add a checker for these languages, or list them in UNCHECKED with the reason"


def test_markers_are_known_and_broken_blocks_say_why():
    for block in BLOCKS:
        assert block.marker in MARKERS | {None}, block.source
        if block.marker == "broken":
            assert block.attrs.get("data-reason", "").strip(), f"{block.source}: say why it is broken (data-reason)"
        if block.marker == "run":
            assert block.language == "python", f"{block.source}: only python blocks run"


def test_procfiles_are_marked_so_the_grader_reads_them():
    for block in BLOCKS:
        if block.language == "text" and PROCFILE_LINE.search(block.code):
            assert block.marker == "procfile", f'{block.source}: mark it {{data-sample="procfile"}}'


def test_a_wrong_call_to_django_is_caught():
    # The erratum that started this module: send_mail takes neither `to` nor `attachments`.
    wrong = 'send_mail("Your tickets", "...", to=["a@example.com"], attachments=[pdf])\n'
    assert signature_problems(wrong)
    assert not signature_problems(wrong.replace("send_mail", "EmailMessage"))


def test_fences_nested_in_tabs_are_found_with_their_markers():
    text = (
        '=== "Python"\n\n'
        '    ```python {data-sample="broken" data-reason="shows the old call"}\n'
        "    send_mail(to=[])\n"
        "    ```\n"
    )
    [block] = fenced_blocks(text, "lesson.md")
    assert (block.source, block.language, block.marker) == ("lesson.md:3", "python", "broken")
    assert block.attrs["data-reason"] == "shows the old call"
    assert block.code == "send_mail(to=[])\n"


@pytest.mark.parametrize(
    ("language", "marker", "code"),
    [
        ("python", "run", "print(socket.gethostname())\n"),
        ("dockerfile", None, "FROM python:3.12-slim\nCMD ['gunicorn', 'shop.wsgi']\n"),
        ("text", "procfile", "web gunicorn shop.wsgi\n"),
        ("bash", None, "if true; then echo yes\n"),
        ("yaml", None, "ports: [8000\n"),
    ],
)
def test_checks_catch_a_broken_sample(language, marker, code, tmp_path):
    block = Block("lesson.md:1", language, {"data-sample": marker} if marker else {}, code)
    with pytest.raises((AssertionError, json.JSONDecodeError, yaml.YAMLError)):
        checker(block)(block, tmp_path)

"""Validate a course's labs (content/courses/<course>/labs/<slug>/) for `load_content`.

Called by load_content inside its transaction, after the course's lessons are saved. Every lab is checked to the
end and every problem is reported together, each with its file and line; nothing is written yet (the Lab model
comes with the labs-in-the-site issue).

The schema is the grader's own (labs.grading.definitions: title, factors, pass_mark, checks, limits, contract,
submission_contract), read with YAML node marks so a problem names its line. Guided labs add one key:

    targets: [config.no-committed-secrets, ...]   # the checks the starter fails on purpose

Rules beyond the grader's parser:
- `factors` are the factors the lab teaches: the factors of its targets (or, without targets, of all its checks).
  Checks that are not targets are keepers: the starter already passes them and the learner's fix must keep them.
- Weights make every target count: a learner cannot reach the pass mark while any target still fails, or even
  warns (a warning earns half the points).
- A lab with targets ships a runnable starter/: a Procfile with `web:`, a dependency manifest, Python that parses,
  the module the web command serves, and a route for every path of the lab's HTTP contract.
- Dynamic checks that need the contract have it: processes.share-nothing needs state_write and state_read, a
  graceful-shutdown target needs the slow path.
- Lesson links in README.md point at a lesson of the course and a heading anchor it has.
"""

from __future__ import annotations

import ast
import dataclasses
import re
from pathlib import Path

import yaml

from courses.content.errors import ContentError, ContentProblem
from labs.grading.checks import REGISTRY
from labs.grading.definitions import SLUG_RE, LabDefinitionError, LabLimits, load_lab, parse_contract

KNOWN_KEYS = frozenset(
    {"title", "factors", "pass_mark", "checks", "limits", "contract", "submission_contract", "allow_samples", "targets"}
)
LIMIT_FIELDS = frozenset(f.name for f in dataclasses.fields(LabLimits))
MANIFESTS = ("requirements.txt", "requirements.lock", "pyproject.toml")
LESSON_LINK = re.compile(r"\]\(/courses/(?P<course>[a-z0-9-]+)/(?P<lesson>[a-z0-9-]+)/(?:#(?P<anchor>[^)\s]+))?\)")
WSGI_TARGET = re.compile(r"(?:^|\s)(?P<module>[A-Za-z_][\w.]*):(?P<attr>[A-Za-z_]\w*)(?:\(\))?(?=\s|$)")


def load_course_labs(*, course, course_dir: Path) -> None:
    """Validate every labs/<slug>/ of the course; raise ContentError listing all problems."""
    labs_dir = course_dir / "labs"
    if not labs_dir.is_dir():
        return
    lessons = {lesson.slug: lesson.anchors for lesson in course.lessons.filter(published=True)}
    problems: list[ContentProblem] = []
    for directory in sorted(p for p in labs_dir.iterdir() if p.is_dir()):
        problems.extend(lab_problems(directory, course_slug=course.slug, lessons=lessons))
    if problems:
        raise ContentError(problems)


def lab_problems(
    directory: Path, *, course_slug: str = "twelve-factor", lessons: dict[str, set[str]] | None = None
) -> list[ContentProblem]:
    """Everything wrong with one lab directory (empty when it is valid)."""
    problems: list[ContentProblem] = []
    path = directory / "lab.yaml"
    if not SLUG_RE.match(directory.name):
        problems.append(ContentProblem(directory, None, "lab folder names are slugs: lower-case letters, digits, -"))
    if not path.is_file():
        return [*problems, ContentProblem(directory, None, "a lab needs a lab.yaml")]
    _LabFile(path, problems).validate()
    if lessons is not None and (directory / "README.md").is_file():
        problems.extend(_readme_links(directory / "README.md", course_slug, lessons))
    if not problems:
        # Whatever the rules above missed, the grader itself must accept the file.
        try:
            load_lab(directory.name, directory.parent)
        except LabDefinitionError as exc:
            problems.append(ContentProblem(path, None, str(exc)))
    return problems


class _LabFile:
    def __init__(self, path: Path, problems: list[ContentProblem]) -> None:
        self.path = path
        self.directory = path.parent
        self.problems = problems

    def problem(self, node: yaml.Node | None, message: str) -> None:
        line = node.start_mark.line + 1 if node is not None else None
        self.problems.append(ContentProblem(self.path, line, message))

    def validate(self) -> None:
        try:
            text = self.path.read_text(encoding="utf-8")
            root = yaml.compose(text)
            raw = yaml.safe_load(text)
        except (OSError, UnicodeDecodeError) as exc:
            self.problems.append(ContentProblem(self.path, None, f"cannot read: {exc}"))
            return
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            line = mark.line + 1 if mark is not None else None
            self.problems.append(ContentProblem(self.path, line, f"not valid YAML: {getattr(exc, 'problem', exc)}"))
            return
        if not isinstance(root, yaml.MappingNode) or not isinstance(raw, dict):
            self.problem(root, "lab.yaml must be a mapping (title:, factors:, checks: ...)")
            return
        nodes = {key.value: (key, value) for key, value in root.value if isinstance(key, yaml.ScalarNode)}
        for name, (key, _) in nodes.items():
            if name not in KNOWN_KEYS:
                self.problem(key, f"unknown key {name!r} (known: {', '.join(sorted(KNOWN_KEYS))})")
        checks = self.checks(raw, nodes)
        targets = self.targets(raw, nodes, checks)
        self.factors(raw, nodes, checks, targets)
        pass_mark = self.pass_mark(raw, nodes)
        if targets and pass_mark is not None:
            self.weights(nodes, checks, targets, pass_mark)
        self.limits(raw, nodes)
        contract = self.contract(raw, nodes, checks, targets)
        self.starter(nodes, targets, contract)

    # -- keys ------------------------------------------------------------------------------------------------
    def checks(self, raw: dict, nodes: dict) -> dict[str, int]:
        if "checks" not in nodes:
            self.problem(None, "no checks: map check ids to weights")
            return {}
        key, value = nodes["checks"]
        if not isinstance(value, yaml.MappingNode) or not isinstance(raw["checks"], dict) or not raw["checks"]:
            self.problem(key, "checks must map check ids to positive integer weights")
            return {}
        valid: dict[str, int] = {}
        for id_node, weight_node in value.value:
            check_id = id_node.value
            weight = raw["checks"].get(check_id)
            if check_id not in REGISTRY:
                self.problem(id_node, f"unknown check {check_id!r}{_suggest(check_id)}")
            elif isinstance(weight, bool) or not isinstance(weight, int) or weight <= 0:
                self.problem(weight_node, f"weight of {check_id} must be a positive integer, not {weight!r}")
            else:
                valid[check_id] = weight
        return valid

    def targets(self, raw: dict, nodes: dict, checks: dict[str, int]) -> list[str]:
        if "targets" not in nodes:
            return []
        key, value = nodes["targets"]
        if not isinstance(value, yaml.SequenceNode) or not value.value:
            self.problem(key, "targets must list the check ids the starter fails")
            return []
        targets = []
        for item in value.value:
            if item.value in checks:
                targets.append(item.value)
            elif item.value in REGISTRY:
                self.problem(item, f"target {item.value} is not among the lab's checks")
            else:
                self.problem(item, f"unknown check {item.value!r}{_suggest(item.value)}")
        keepers = [c for c in raw.get("checks") or {} if c not in [item.value for item in value.value]]
        if targets and not keepers:
            self.problem(
                key, "a guided lab keeps at least one check that the starter passes (port-binding.answers-http)"
            )
        return targets

    def factors(self, raw: dict, nodes: dict, checks: dict[str, int], targets: list[str]) -> None:
        if "factors" not in nodes:
            self.problem(None, "no factors: list the factors (1-12) the lab teaches")
            return
        key, value = nodes["factors"]
        factors = raw["factors"]
        if (
            not isinstance(factors, list)
            or not factors
            or not all(isinstance(f, int) and not isinstance(f, bool) and 1 <= f <= 12 for f in factors)
        ):
            self.problem(key, "factors must be a list of factor numbers from 1 to 12")
            return
        if len(set(factors)) != len(factors):
            self.problem(value, "factors lists a factor twice")
        taught = targets or list(checks)
        expected = {REGISTRY[c].factor for c in taught}
        if not taught or set(factors) == expected:
            return
        what = "targets" if targets else "checks"
        missing = sorted(expected - set(factors))
        extra = sorted(set(factors) - expected)
        parts = []
        if missing:
            parts.append(f"its {what} also cover {missing}")
        if extra:
            parts.append(f"no {what[:-1]} covers {extra}")
        self.problem(value, f"factors {sorted(factors)} do not match the {what}: " + "; ".join(parts))

    def pass_mark(self, raw: dict, nodes: dict) -> int | None:
        if "pass_mark" not in nodes:
            return 80
        key, _ = nodes["pass_mark"]
        mark = raw["pass_mark"]
        if isinstance(mark, bool) or not isinstance(mark, int) or not 0 <= mark <= 100:
            self.problem(key, "pass_mark must be an integer from 0 to 100")
            return None
        return mark

    def weights(self, nodes: dict, checks: dict[str, int], targets: list[str], pass_mark: int) -> None:
        total = sum(checks.values())
        if not total:
            return
        _, value = nodes["checks"]
        lines = {id_node.value: weight_node for id_node, weight_node in value.value}
        for target in targets:
            best_with_warning = 100 * (total - checks[target] / 2) / total
            if round(best_with_warning) >= pass_mark:
                self.problem(
                    lines.get(target),
                    f"weight {checks[target]} of target {target} is too small: with only that target warning, a "
                    f"learner would score {round(best_with_warning)} and reach the pass mark {pass_mark}",
                )

    def limits(self, raw: dict, nodes: dict) -> None:
        if "limits" not in nodes:
            return
        key, value = nodes["limits"]
        limits = raw["limits"]
        if not isinstance(limits, dict):
            self.problem(key, "limits must be a mapping")
            return
        for name_node, limit_node in value.value:
            number = limits.get(name_node.value)
            if name_node.value not in LIMIT_FIELDS:
                self.problem(name_node, f"unknown limit {name_node.value!r} (known: {', '.join(sorted(LIMIT_FIELDS))})")
            elif isinstance(number, bool) or not isinstance(number, int | float) or number <= 0:
                self.problem(limit_node, f"limit {name_node.value} must be a positive number")

    def contract(self, raw: dict, nodes: dict, checks: dict[str, int], targets: list[str]):
        contract = None
        if "contract" in nodes:
            key, value = nodes["contract"]
            try:
                contract = parse_contract(raw["contract"])
            except LabDefinitionError as exc:
                # Point at the endpoint the message names (contract.health: ...), else at the contract itself.
                named = re.match(r"contract\.(\w+)", str(exc))
                parts = {k.value: k for k, _ in value.value} if isinstance(value, yaml.MappingNode) else {}
                self.problem(parts.get(named[1] if named else "", key), str(exc))
                return None
        if raw.get("submission_contract"):
            return contract
        where = nodes["contract"][0] if "contract" in nodes else nodes.get("checks", (None,))[0]
        if "processes.share-nothing" in checks and (contract is None or contract.state_write is None):
            self.problem(
                where,
                "processes.share-nothing needs a contract with state_write and state_read (or submission_contract)",
            )
        if "disposability.graceful-shutdown" in targets and (contract is None or contract.slow is None):
            self.problem(
                where,
                "a disposability.graceful-shutdown target needs a contract slow path, to send SIGTERM in flight",
            )
        return contract

    # -- starter ---------------------------------------------------------------------------------------------
    def starter(self, nodes: dict, targets: list[str], contract) -> None:
        starter = self.directory / "starter"
        if not starter.is_dir():
            if targets:
                self.problem(nodes["targets"][0], "a lab with targets needs a starter/ the learner begins from")
            return
        procfile = starter / "Procfile"
        web = None
        if procfile.is_file():
            for number, line in enumerate(procfile.read_text(encoding="utf-8").splitlines(), start=1):
                if re.match(r"^web:\s*\S", line):
                    web = (number, line.split(":", 1)[1].strip())
                    break
        if web is None:
            self.problems.append(
                ContentProblem(procfile, None, "the starter is not runnable: no Procfile with a `web:` process")
            )
        if not any((starter / name).is_file() for name in MANIFESTS):
            self.problems.append(
                ContentProblem(
                    starter, None, "the starter declares no dependencies (requirements.txt or pyproject.toml)"
                )
            )
        literals = self.starter_code(starter)
        if web is not None:
            for match in WSGI_TARGET.finditer(web[1]):
                module = match["module"].replace(".", "/")
                if not ((starter / f"{module}.py").is_file() or (starter / module / "__init__.py").is_file()):
                    self.problems.append(
                        ContentProblem(procfile, web[0], f"web: serves {match['module']}, which the starter lacks")
                    )
        if contract is not None:
            endpoints = [
                ("health", contract.health),
                ("state_write", contract.state_write),
                ("state_read", contract.state_read),
                ("slow", contract.slow),
            ]
            for name, endpoint in endpoints:
                if endpoint is None:
                    continue
                path = endpoint.path.split("?", 1)[0]
                if path != "/" and path not in literals:
                    self.problem(
                        nodes["contract"][0],
                        f"contract {name} path {path} is not a route of the starter (no {path!r} in its code)",
                    )

    def starter_code(self, starter: Path) -> set[str]:
        """String literals of the starter's Python code; a file that does not parse is a problem."""
        literals: set[str] = set()
        for source in sorted(starter.rglob("*.py")):
            try:
                tree = ast.parse(source.read_text(encoding="utf-8"), filename=str(source))
            except SyntaxError as exc:
                self.problems.append(
                    ContentProblem(source, exc.lineno, f"the starter's code does not parse: {exc.msg}")
                )
                continue
            literals.update(n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str))
        return literals


def _readme_links(path: Path, course_slug: str, lessons: dict[str, set[str]]) -> list[ContentProblem]:
    problems = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        for match in LESSON_LINK.finditer(line):
            if match["course"] != course_slug:
                continue
            anchors = lessons.get(match["lesson"])
            if anchors is None:
                problems.append(
                    ContentProblem(path, number, f"link to a lesson that does not exist: {match['lesson']}")
                )
            elif match["anchor"] and match["anchor"] not in anchors:
                problems.append(
                    ContentProblem(path, number, f"lesson {match['lesson']} has no section #{match['anchor']}")
                )
    return problems


def _suggest(check_id: str) -> str:
    import difflib

    close = difflib.get_close_matches(check_id, REGISTRY, n=1)
    return f" (did you mean {close[0]}?)" if close else ""

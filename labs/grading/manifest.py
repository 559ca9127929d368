"""What a submission declares it depends on, and what the sandboxed build installs from (factor II)."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from functools import cache

from labs.grading.repo import Repo

# pip-format lock files, installed as they are (hashes, if present, are verified by the installer).
PIP_LOCKS = ("requirements.lock", "requirements-lock.txt", "requirements.lock.txt", "requirements/lock.txt")
OTHER_LOCKS = ("uv.lock", "poetry.lock", "Pipfile.lock", "pdm.lock")
NODE_LOCKS = ("package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml", "bun.lockb")
REQUIREMENTS = ("requirements.txt", "requirements/base.txt", "requirements/prod.txt", "requirements/production.txt")

NAME_RE = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*(.*)$")


@dataclass(frozen=True)
class Requirement:
    name: str
    spec: str
    file: str
    line: int

    @property
    def pinned(self) -> bool:
        return bool(re.match(r"^(===?)\s*[^*,;\s]+\s*(;.*)?$", self.spec.split("--hash")[0].strip()))


@dataclass
class Manifest:
    file: str | None = None  # where the dependencies are declared
    lock: str | None = None  # a lock file beside it, if any
    install_from: str | None = None  # what the sandboxed build installs (-r FILE), None = nothing
    requirements: list[Requirement] = field(default_factory=list)
    problem: str | None = None  # why the build cannot install it (an `error`, not a failed factor)
    refused: str | None = None  # a dependency by path or URL, which the grader never installs (the learner's to fix)


def _parse_requirements(repo: Repo, rel: str, seen: set[str] | None = None) -> list[Requirement]:
    seen = seen or set()
    if rel in seen:
        return []
    seen.add(rel)
    out: list[Requirement] = []
    for number, raw in enumerate(repo.lines(rel), start=1):
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(("-r ", "--requirement ", "-c ", "--constraint ")):
            include = line.split(None, 1)[1].strip()
            base = rel.rsplit("/", 1)[0] + "/" if "/" in rel else ""
            out.extend(_parse_requirements(repo, base + include, seen))
            continue
        if line.startswith("-") or line.endswith("\\") and line.startswith("--hash"):
            continue
        match = NAME_RE.match(line.rstrip("\\").strip())
        if match:
            out.append(Requirement(match.group(1), match.group(3).strip(), rel, number))
    return out


# A parsed pyproject.toml, TOML lock or package.json: the learner wrote it, so each value is checked before use.
Document = dict[str, object]


def toml_document(repo: Repo, rel: str) -> Document:
    """The TOML file's top table; an empty one when the file is missing or not valid TOML."""
    try:
        return tomllib.loads(repo.text(rel) or "")
    except tomllib.TOMLDecodeError:
        return {}


def table(value: object, *path: str) -> Document:
    """value[path[0]][path[1]]..., when each of them is a table; else an empty one."""
    for key in path:
        value = value.get(key) if isinstance(value, dict) else None
    return value if isinstance(value, dict) else {}


def python_manifest(repo: Repo) -> Manifest:
    manifest = Manifest()
    lock = next((f for f in PIP_LOCKS + OTHER_LOCKS if repo.exists(f)), None)
    manifest.lock = lock
    requirements = next((f for f in REQUIREMENTS if repo.exists(f)), None)
    pyproject = toml_document(repo, "pyproject.toml")
    project_deps = table(pyproject, "project").get("dependencies")
    if requirements:
        manifest.file = requirements
        manifest.requirements = _parse_requirements(repo, requirements)
    elif isinstance(project_deps, list):
        manifest.file = "pyproject.toml"
        line_of: dict[object, int] = {}
        for number, line in enumerate(repo.lines("pyproject.toml"), start=1):
            for dep in project_deps:
                if isinstance(dep, str) and dep in line and dep not in line_of:
                    line_of[dep] = number
        for dep in project_deps:
            match = NAME_RE.match(str(dep))
            if match:
                manifest.requirements.append(
                    Requirement(match.group(1), match.group(3).strip(), "pyproject.toml", line_of.get(dep, 0))
                )
    elif repo.exists("Pipfile"):
        manifest.file = "Pipfile"
    elif repo.exists("setup.py") or repo.exists("setup.cfg"):
        manifest.file = "setup.py" if repo.exists("setup.py") else "setup.cfg"
    elif table(pyproject, "tool").get("poetry"):
        manifest.file = "pyproject.toml"

    if lock in PIP_LOCKS:
        manifest.install_from = lock
        manifest.requirements = manifest.requirements or _parse_requirements(repo, lock)
    elif manifest.file in REQUIREMENTS or manifest.file == "pyproject.toml" and project_deps is not None:
        manifest.install_from = manifest.file
        direct = [d for d in project_deps if isinstance(d, str) and "@" in d] if isinstance(project_deps, list) else []
        if manifest.file == "pyproject.toml" and direct:
            manifest.refused = f"pyproject.toml depends on {direct[0][:60]!r} by URL or path; {NAMED_ONLY}"
    elif manifest.file:
        manifest.problem = (
            f"{manifest.file} cannot be installed offline by the grader: declare the dependencies in "
            "requirements.txt (or [project].dependencies in pyproject.toml), or export a requirements.lock"
        )
    manifest.refused = manifest.refused or _direct_reference_problem(repo, manifest.install_from)
    manifest.problem = manifest.problem or manifest.refused
    return manifest


# Lines that would make the installer reach past the package index: local paths, URLs, other indexes, editables.
DIRECT_REFERENCE_RE = re.compile(
    r"^\s*(-e\b|--editable\b|-f\b|--find-links\b|-i\b|--index-url\b|--extra-index-url\b|--trusted-host\b|"
    r"\.{0,2}/|[A-Za-z][\w+.-]*://)|\s@\s|^[^#]*\.(whl|tar\.gz|zip)\b"
)
INCLUDE_RE = re.compile(r"^\s*(-r|--requirement|-c|--constraint)[\s=]+(\S+)")
NAMED_ONLY = "the grader installs named packages from its package index only (no paths, URLs or other indexes)"


def _direct_reference_problem(repo: Repo, rel: str | None, seen: set[str] | None = None) -> str | None:
    """Only named packages from the index are installed, so nothing of the learner's reaches the venv by path or
    URL. Files included with -r or -c are read too; an include must be a file of the repository."""
    if not rel or not rel.endswith((".txt", ".lock", ".in")):
        return None
    seen = seen if seen is not None else set()
    if rel in seen:
        return None
    seen.add(rel)
    for number, line in enumerate(repo.lines(rel), start=1):
        text = line.split(" #", 1)[0]
        if text.strip().startswith("#"):
            continue
        include = INCLUDE_RE.match(text)
        if include:
            target = include.group(2)
            base = rel.rsplit("/", 1)[0] + "/" if "/" in rel else ""
            if "://" in target or target.startswith("/") or ".." in target.split("/"):
                return f"{rel}:{number} includes {target[:60]!r}, which is not a file of the repository; {NAMED_ONLY}"
            found = _direct_reference_problem(repo, base + target, seen)
            if found:
                return found
        elif DIRECT_REFERENCE_RE.search(text):
            return f"{rel}:{number} installs from a path, URL or another index ({line.strip()[:60]}); {NAMED_ONLY}"
    return None


@cache
def _stdlib() -> frozenset[str]:
    import sys

    return frozenset(sys.stdlib_module_names) | {"__future__"}


def local_modules(repo: Repo) -> set[str]:
    """Top-level names importable from the repository itself (any folder depth, for src layouts)."""
    names: set[str] = set()
    for rel in repo.files:
        if rel.endswith(".py") or rel.endswith(".pyi"):
            parts = rel.split("/")
            names.add(parts[-1].rsplit(".", 1)[0])
            names.update(parts[:-1])
    return names


def third_party_imports(repo: Repo) -> dict[str, tuple[str, int]]:
    """Third-party top-level modules the application imports, each with its first file:line.

    Imports guarded by try/except ImportError or `if TYPE_CHECKING:` are optional and left out.
    """
    import ast

    local = local_modules(repo)
    found: dict[str, tuple[str, int]] = {}
    for rel, tree in repo.python_trees():
        optional: set[int] = set()
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Try)
                and any(
                    h.type is None or "ImportError" in ast.unparse(h.type) or "ModuleNotFound" in ast.unparse(h.type)
                    for h in node.handlers
                )
                or isinstance(node, ast.If)
                and "TYPE_CHECKING" in ast.unparse(node.test)
            ):
                optional.update(id(n) for stmt in node.body for n in ast.walk(stmt))
        for node in ast.walk(tree):
            if id(node) in optional:
                continue
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name.split(".")[0] for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module.split(".")[0]]
            for name in names:
                if name and name not in _stdlib() and name not in local and name not in found:
                    found[name] = (rel, node.lineno)
    return found


# Requirements files for development and tests by their usual names (requirements-dev.txt, requirements/test.txt...).
DEVELOPMENT_REQUIREMENTS_RE = re.compile(
    r"^(requirements[/_-])?(dev|develop|development|test|tests|testing|ci)"
    r"([/_-]requirements)?\.(txt|in)$|^requirements[_-](dev|test|tests)\.(txt|in)$"
)
DEVELOPMENT_GROUPS_RE = re.compile(r"^(dev|develop|development|test|tests|testing|lint|typing|docs|ci)$")


def normalized(name: str) -> str:
    """A package or module name as PEP 503 compares them (Flask_SQLAlchemy = flask-sqlalchemy)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def development_packages(repo: Repo) -> dict[str, str]:
    """Packages the repository declares for development or tests only (normalized name -> where): Pipfile's
    [dev-packages], pyproject's dependency groups, Poetry's and PDM's dev groups, development extras, and
    requirements files named for development or tests."""
    found: dict[str, str] = {}

    def add(names: object, where: str) -> None:
        for name in names if isinstance(names, list | dict) else []:
            match = NAME_RE.match(str(name))
            if match:
                found.setdefault(normalized(match.group(1)), where)

    add(table(toml_document(repo, "Pipfile"), "dev-packages"), "Pipfile [dev-packages]")
    pyproject = toml_document(repo, "pyproject.toml")
    for group, names in table(pyproject, "dependency-groups").items():
        add(names, f"pyproject.toml [dependency-groups] {group}")
    for group, names in table(pyproject, "project", "optional-dependencies").items():
        if DEVELOPMENT_GROUPS_RE.match(group):
            add(names, f"pyproject.toml [project.optional-dependencies] {group}")
    poetry = table(pyproject, "tool", "poetry")
    add(table(poetry, "dev-dependencies"), "pyproject.toml [tool.poetry.dev-dependencies]")
    for group, body in table(poetry, "group").items():
        add(table(body, "dependencies"), f"pyproject.toml [tool.poetry.group.{group}]")
    for group, names in table(pyproject, "tool", "pdm", "dev-dependencies").items():
        add(names, f"pyproject.toml [tool.pdm.dev-dependencies] {group}")
    for rel in repo.files:
        if DEVELOPMENT_REQUIREMENTS_RE.match(rel):
            for requirement in _parse_requirements(repo, rel):
                found.setdefault(normalized(requirement.name), rel)
    return found


def imported_at_module_level(repo: Repo) -> set[str]:
    """Third-party top-level modules some module imports as it loads (not only inside a function, which runs when
    called: a `test` command's `import pytest`)."""
    import ast

    loaded: set[str] = set()
    for _, tree in repo.python_trees():
        inside_functions = {
            id(node)
            for function in ast.walk(tree)
            if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef)
            for node in ast.walk(function)
        }
        for node in ast.walk(tree):
            if id(node) in inside_functions:
                continue
            if isinstance(node, ast.Import):
                loaded.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                loaded.add(node.module.split(".")[0])
    return loaded


def node_manifest(repo: Repo) -> tuple[Document | None, str | None]:
    """(package.json as a dict, lock file name) for Node apps."""
    import json

    text = repo.text("package.json")
    if text is None:
        return None, None
    try:
        data = json.loads(text)
    except ValueError:
        data = {}
    lock = next((f for f in NODE_LOCKS if repo.exists(f)), None)
    return (data if isinstance(data, dict) else {}), lock


# Node's own modules (`require('module').builtinModules` of Node 20, subpaths folded into their package).
NODE_BUILTINS = frozenset(
    [
        "assert",
        "async_hooks",
        "buffer",
        "child_process",
        "cluster",
        "console",
        "constants",
        "crypto",
        "dgram",
        "diagnostics_channel",
        "dns",
        "domain",
        "events",
        "fs",
        "http",
        "http2",
        "https",
        "inspector",
        "module",
        "net",
        "os",
        "path",
        "perf_hooks",
        "process",
        "punycode",
        "querystring",
        "readline",
        "repl",
        "stream",
        "string_decoder",
        "sys",
        "timers",
        "tls",
        "trace_events",
        "tty",
        "url",
        "util",
        "v8",
        "vm",
        "wasi",
        "worker_threads",
        "zlib",
    ]
)
NODE_IMPORT_RE = re.compile(
    r"""\brequire\(\s*['"]([^'"\s]+)['"]\s*\)|\bimport\(\s*['"]([^'"\s]+)['"]\s*\)"""
    r"""|\bfrom\s+['"]([^'"\s]+)['"]|^\s*import\s+['"]([^'"\s]+)['"]"""
)
NODE_CODE_SUFFIXES = (".js", ".mjs", ".cjs", ".ts")


def node_package_imports(repo: Repo) -> dict[str, tuple[str, int]]:
    """Packages the Node code requires or imports by bare name, each with its first file:line (tests left out)."""
    found: dict[str, tuple[str, int]] = {}
    code = [
        f
        for f in repo.files
        if f.endswith(NODE_CODE_SUFFIXES) and not repo.is_test(f) and not f.startswith("node_modules/")
    ]
    for rel in code[:2000]:
        for number, line in enumerate(repo.lines(rel), start=1):
            if line.lstrip().startswith(("//", "*", "/*")):
                continue
            for match in NODE_IMPORT_RE.finditer(line):
                spec = next(g for g in match.groups() if g)
                if spec.startswith((".", "/", "node:")) or ":" in spec:
                    continue
                parts = spec.split("/")
                name = "/".join(parts[:2]) if spec.startswith("@") else parts[0]
                if name not in NODE_BUILTINS and name not in found:
                    found[name] = (rel, number)
    return found


def node_declared(package: Document) -> set[str]:
    """Every package a package.json declares, in any of its dependency tables."""
    tables = ("dependencies", "devDependencies", "optionalDependencies", "peerDependencies")
    return {name for name_of_table in tables for name in table(package, name_of_table)}

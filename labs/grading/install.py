"""What the sandboxed build installs from the package index, read from the manifest and lock a repository has.

uv does the installing, inside the box; this module only decides its arguments, on the host, from files it parses
as data (nothing of the learner's runs here):

- requirements*.txt and pip-format locks: `-r FILE`, as they are (their hashes, if any, are verified by uv);
- pyproject.toml ([project] or Poetry's [tool.poetry]): `-r pyproject.toml` (uv reads [project], or asks the build
  backend in the box for Poetry's metadata), constrained to the versions of uv.lock, poetry.lock or pdm.lock;
- Pipfile.lock's `default` packages with their markers, else Pipfile's [packages]: written out as requirements;
- setup.py or setup.cfg alone: `-r setup.py`, which runs the learner's setup.py in the box only.

A dependency by local path, URL or VCS is refused (the learner's to fix, not an error of ours): the box installs
named packages from the index and nothing else.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from labs.grading.manifest import (
    NAMED_ONLY,
    OTHER_LOCKS,
    PIP_LOCKS,
    REQUIREMENTS,
    Document,
    Manifest,
    table,
    toml_document,
)
from labs.grading.repo import Repo

GENERATED_DIR = "/tmp/grader"
NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
DIRECT_KEYS = ("path", "file", "git", "hg", "svn", "bzr", "url", "editable", "directory", "workspace")


@dataclass
class Plan:
    """uv's `-r` (a repository file, or one we write into the box) and `-c`, or why the build cannot install."""

    requirements: str | None = None
    constraints: str | None = None
    files: dict[str, str] = field(default_factory=dict)  # box path -> text, written before the install
    shown: str = ""  # the install as the scorecard names it
    problem: str | None = None  # cannot be installed (an error)
    refused: str | None = None  # a dependency by path or URL: the learner's to fix (a fail)


def _direct(name: str, value: object, where: str) -> str | None:
    if isinstance(value, dict) and any(k in value for k in DIRECT_KEYS):
        kind = next(k for k in DIRECT_KEYS if k in value)
        return f"{where} takes {name} from a {kind} ({str(value[kind])[:60]}); {NAMED_ONLY}"
    if isinstance(value, str) and re.match(r"^([a-z+]+://|file:|\.{0,2}/)", value):
        return f"{where} takes {name} from {value[:60]!r}; {NAMED_ONLY}"
    return None


def _lock_pins(repo: Repo, lock: str) -> tuple[list[str], str | None]:
    """(name==version for every package the TOML lock takes from an index, refusal) of uv.lock, poetry.lock,
    pdm.lock. A name locked at two versions (a lock forked by markers) is left to the resolver."""
    data = toml_document(repo, lock)
    versions: dict[str, set[str]] = {}
    packages = data.get("package")
    for package in packages if isinstance(packages, list) else []:
        if not isinstance(package, dict):
            continue
        name, version = str(package.get("name", "")), str(package.get("version", ""))
        source = package.get("source")
        if lock == "uv.lock" and isinstance(source, dict):
            if source.get("virtual") == "." or source.get("editable") == ".":
                continue  # the project itself
            if "registry" not in source:
                return [], _direct(name, source, lock)
        elif lock == "poetry.lock" and isinstance(source, dict):
            if source.get("type") in ("git", "directory", "file", "url"):
                return [], f"{lock} takes {name} from a {source['type']} ({str(source.get('url'))[:60]}); {NAMED_ONLY}"
        elif lock == "pdm.lock":
            refusal = _direct(name, package, lock)
            if refusal:
                return [], refusal
        if NAME_RE.match(name) and re.match(r"^[A-Za-z0-9.!+_-]+$", version):
            versions.setdefault(name.lower(), set()).add(version)
    return [f"{name}=={next(iter(v))}" for name, v in sorted(versions.items()) if len(v) == 1], None


def _pyproject_refusal(pyproject: Document) -> str | None:
    dependencies = table(pyproject, "project").get("dependencies")
    for dep in dependencies if isinstance(dependencies, list) else []:
        if isinstance(dep, str) and "@" in dep:
            return f"pyproject.toml depends on {dep[:60]!r} by URL or path; {NAMED_ONLY}"
    for name, source in table(pyproject, "tool", "uv", "sources").items():
        refusal = _direct(name, source, "pyproject.toml [tool.uv.sources]")
        if refusal:
            return refusal
    for name, value in table(pyproject, "tool", "poetry", "dependencies").items():
        for item in value if isinstance(value, list) else [value]:
            refusal = _direct(name, item, "pyproject.toml [tool.poetry.dependencies]")
            if refusal:
                return refusal
    return None


def _pipfile_lines(repo: Repo) -> tuple[str, list[str], str | None]:
    """(file, requirement lines, refusal) from Pipfile.lock's default packages, else Pipfile's [packages]."""
    if repo.exists("Pipfile.lock"):
        try:
            data = json.loads(repo.text("Pipfile.lock") or "{}")
        except ValueError:
            return "Pipfile.lock", [], None
        packages = data.get("default") if isinstance(data, dict) else None
        rel = "Pipfile.lock"
    else:
        packages = toml_document(repo, "Pipfile").get("packages")
        rel = "Pipfile"
    lines = []
    for name, value in (packages or {}).items() if isinstance(packages, dict) else []:
        refusal = _direct(name, value, rel)
        if refusal:
            return rel, [], refusal
        if not NAME_RE.match(str(name)):
            continue
        spec = value if isinstance(value, str) else (value or {}).get("version", "*")
        extras = (value or {}).get("extras") if isinstance(value, dict) else None
        markers = (value or {}).get("markers") if isinstance(value, dict) else None
        line = name + (f"[{','.join(map(str, extras))}]" if isinstance(extras, list) and extras else "")
        line += "" if spec in ("*", "", None) else str(spec)
        lines.append(line + (f" ; {markers}" if isinstance(markers, str) and markers else ""))
    return rel, lines, None


def plan(repo: Repo, manifest: Manifest) -> Plan:
    """How the build installs `manifest` from the package index."""
    file = manifest.file
    if manifest.lock in PIP_LOCKS or file in REQUIREMENTS:
        rel = manifest.install_from
        return Plan(requirements=rel, shown=f"uv pip install -r {rel}", refused=manifest.refused)
    if file == "pyproject.toml":
        pyproject = toml_document(repo, "pyproject.toml")
        refusal = _pyproject_refusal(pyproject)
        if refusal:
            return Plan(refused=refusal)
        result = Plan(requirements="pyproject.toml", shown="uv pip install -r pyproject.toml")
        lock = next((f for f in OTHER_LOCKS if f.endswith(".lock") and f != "Pipfile.lock" and repo.exists(f)), None)
        if lock:
            pins, refusal = _lock_pins(repo, lock)
            if refusal:
                return Plan(refused=refusal)
            if pins:
                result.constraints = f"{GENERATED_DIR}/constraints.txt"
                result.files[result.constraints] = "\n".join(pins) + "\n"
                result.shown += f" (versions of {lock})"
        return result
    if file == "Pipfile" or repo.exists("Pipfile.lock"):
        rel, lines, refusal = _pipfile_lines(repo)
        if refusal:
            return Plan(refused=refusal)
        if not lines:
            return Plan(shown=f"{rel} declares no packages")
        target = f"{GENERATED_DIR}/requirements.txt"
        return Plan(requirements=target, files={target: "\n".join(lines) + "\n"}, shown=f"uv pip install ({rel})")
    if file in ("setup.py", "setup.cfg"):
        return Plan(requirements=file, shown=f"uv pip install -r {file}")
    return Plan(shown="no dependencies declared")


NODE_LOCKS = ("package-lock.json", "npm-shrinkwrap.json")
# Dependency specs that name a place instead of a version: paths, links, VCS, tarball URLs, GitHub shorthands.
NODE_DIRECT_RE = re.compile(
    r"^(file:|link:|portal:|workspace:|git|github:|gitlab:|bitbucket:|gist:|https?:|\.{0,2}/|~/)"
)
NODE_SHORTHAND_RE = re.compile(r"^(?!npm:)[^@\s][^\s/]*/\S+$")  # user/repo, a GitHub repository


def npm_plan(repo: Repo, package: Document) -> Plan:
    """How the build installs a package.json from the npm registry: `npm ci` with a lock, else `npm install`."""
    if package.get("workspaces"):
        return Plan(refused=f"package.json declares workspaces (local packages); {NAMED_ONLY}")
    for section in ("dependencies", "devDependencies", "optionalDependencies"):
        deps = package.get(section) or {}
        for name, spec in deps.items() if isinstance(deps, dict) else []:
            spec = str(spec).strip()
            if NODE_DIRECT_RE.match(spec) or NODE_SHORTHAND_RE.match(spec):
                return Plan(refused=f"package.json {section} takes {name} from {spec[:60]!r}; {NAMED_ONLY}")
    lock = next((f for f in NODE_LOCKS if repo.exists(f)), None)
    if lock:
        try:
            locked = json.loads(repo.text(lock) or "{}").get("packages") or {}
        except (ValueError, AttributeError):
            locked = {}
        for path, entry in locked.items() if isinstance(locked, dict) else []:
            if not path or not isinstance(entry, dict):
                continue
            resolved = str(entry.get("resolved") or "")
            if entry.get("link") or (resolved and not resolved.startswith(("https://", "http://"))):
                return Plan(refused=f"{lock} takes {path} from {(resolved or 'a local link')[:60]!r}; {NAMED_ONLY}")
        return Plan(requirements=lock, shown=f"npm ci ({lock})")
    return Plan(requirements="package.json", shown="npm install (package.json, no lock)")

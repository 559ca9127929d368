"""Which interpreter a submission is built and run on: the best match for what it asks, among the worker's.

GRADER_PYTHONS lists the interpreters the worker has (comma-separated paths under /usr, which the box mounts; the
system's /usr/bin/python3 by default). A repository asks in runtime.txt (`python-3.9.7`), .python-version (`3.9`)
or pyproject's requires-python (`>=3.10`). The match: the same minor version, else the newest interpreter that
satisfies requires-python, else the one nearest to the version asked for. A mismatch is noted for factor II's
`warn`, never a reason not to build.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from labs.grading.manifest import table, toml_document
from labs.grading.repo import Repo

DEFAULT = "/usr/bin/python3"
Version = tuple[int, int]


@dataclass(frozen=True)
class Choice:
    path: str
    version: Version
    asked: str | None = None  # what the repository asks for, as written ("3.9", ">=3.12")
    source: str | None = None  # where it asks ("runtime.txt")
    matches: bool = True

    @property
    def shown(self) -> str:
        return f"{self.version[0]}.{self.version[1]}"


@cache
def _version(path: str) -> Version | None:
    """The major.minor of a trusted interpreter of the worker's (not the learner's: nothing of theirs runs here)."""
    try:
        done = subprocess.run(
            [path, "-I", "-S", "-c", "import sys; print('%d %d' % sys.version_info[:2])"],
            capture_output=True,
            timeout=10,
            env={},
        )
        major, minor = done.stdout.split()
        return int(major), int(minor)
    except (OSError, ValueError, subprocess.SubprocessError):
        return None


def available(environ: Mapping[str, str] | None = None) -> list[tuple[Version, str]]:
    env = os.environ if environ is None else environ
    paths = [p.strip() for p in (env.get("GRADER_PYTHONS") or DEFAULT).split(",") if p.strip()]
    found = []
    for path in paths:
        version = _version(path) if path.startswith("/usr/") else None
        if version and (version, path) not in found:
            found.append((version, path))
    return found or [((3, 11), DEFAULT)]


def asked(repo: Repo) -> tuple[str, str] | None:
    """(source, what is asked) for the interpreter a repository asks for, if it asks."""
    for rel in ("runtime.txt", ".python-version"):
        # The first line that is not a comment (pyenv and uv allow `#` comments, as heroku's template has).
        lines = [line.strip() for line in (repo.text(rel) or "").splitlines()]
        first = next((line for line in lines if line and not line.startswith("#")), "")
        match = re.search(r"(\d+\.\d+)(\.\d+)?", first)
        if match:
            return rel, match.group(0)
    requires = table(toml_document(repo, "pyproject.toml"), "project").get("requires-python")
    if isinstance(requires, str) and requires.strip():
        return "pyproject.toml requires-python", requires.strip()
    return None


def choose(repo: Repo, environ: Mapping[str, str] | None = None) -> Choice:
    have = sorted(available(environ), reverse=True)
    newest_version, newest_path = have[0]
    request = asked(repo)
    if request is None:
        return Choice(newest_path, newest_version)
    source, text = request
    if source.startswith("pyproject"):
        from packaging.specifiers import InvalidSpecifier, SpecifierSet

        try:
            spec = SpecifierSet(text)
        except InvalidSpecifier:
            return Choice(newest_path, newest_version, text, source, matches=False)
        fits = [(v, p) for v, p in have if spec.contains(f"{v[0]}.{v[1]}.0") or spec.contains(f"{v[0]}.{v[1]}.99")]
        if fits:
            return Choice(fits[0][1], fits[0][0], text, source)
        return Choice(newest_path, newest_version, text, source, matches=False)
    wanted = tuple(int(x) for x in text.split(".")[:2])
    for version, path in have:
        if version == wanted:
            return Choice(path, version, text, source)
    # The nearest minor version; between two equally near, the newer (code for 3.11 more often runs on 3.12).
    version, path = min(have, key=lambda vp: (abs(vp[0][1] - wanted[1]) + 100 * abs(vp[0][0] - wanted[0]), -vp[0][1]))
    return Choice(path, version, text, source, matches=False)


# uv's resolver names the interpreter a package needs: "the current Python version (3.11.2) does not satisfy
# Python>=3.12". pip says it as "Requires-Python >=3.12".
_NEEDED = re.compile(
    r"(?:current|requested) Python version \((?P<have>\d+\.\d+)(?:\.\d+)?\) "
    r"does not satisfy Python(?P<need>[<>=!~][^\s,]*)"
    r"|Requires-Python (?P<pip>[<>=!~][^\s,]+)"
)


def needed_by_install(output: str) -> str | None:
    """The Python requirement an install failed on ("the current Python version does not satisfy ..."), if any."""
    match = _NEEDED.search(output)
    if not match:
        return None
    return match.group("need") or match.group("pip")


def not_available(choice: Choice, needed: str) -> str:
    """Why the service cannot be run here: its packages need an interpreter this worker does not have. Our
    limitation, not the learner's mistake, so it is not a failed install (the grade just cannot pass)."""
    have = ", ".join(f"{major}.{minor}" for (major, minor), _ in available())
    asked = f"; {choice.source} asks for Python {choice.asked}" if choice.asked else ""
    return (
        f"its packages need Python{needed}{asked}, and this grader has Python {have} only, so the service was not "
        f"built or run (the grader's operator can add that interpreter to GRADER_PYTHONS)"
    )

"""A read-only view of an extracted submission for the static checks.

The tree is the host copy made by intake: only regular files and directories, and no learner code ever
runs in it (the sandbox works on its own copy). Even so, files are opened without following links and
read with a size cap, so a check never reads more than it can use.
"""

from __future__ import annotations

import ast
import os
import re
import stat
import warnings
from functools import cached_property
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

Module = ast.Module  # `ast` is also a method of Repo, which hides the module in the class body

if TYPE_CHECKING:
    from labs.grading.process_types import ProcessTypes

# Folders that are never part of the deployed code: tool caches, virtualenvs, vendored packages.
IGNORED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        "node_modules",
        "__pycache__",
        "site-packages",
        ".mypy_cache",
        ".ruff_cache",
        ".pytest_cache",
        ".grader",
    }
)
MAX_READ_BYTES = 1024 * 1024
MAX_FILES = 20_000


class Repo:
    def __init__(self, root: Path, *, samples: tuple[str, ...] = ()) -> None:
        """`samples`: folders of example code the repository ships but does not deploy (declared in its
        .twelve-factor.yml); the static checks read around them."""
        self.root = Path(root)
        self.samples = samples
        self._texts: dict[str, str | None] = {}
        self._asts: dict[str, ast.Module | None] = {}

    @cached_property
    def files(self) -> list[str]:
        """Relative POSIX paths of the regular files, sorted, without descending into ignored dirs."""
        found: list[str] = []
        stack = [""]
        while stack and len(found) < MAX_FILES:
            rel = stack.pop()
            try:
                entries = list(os.scandir(self.root / rel if rel else self.root))
            except OSError:
                continue
            for entry in entries:
                child = f"{rel}/{entry.name}" if rel else entry.name
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in IGNORED_DIRS and child not in self.samples:
                        stack.append(child)
                elif entry.is_file(follow_symlinks=False):
                    found.append(child)
        return sorted(found)

    def exists(self, rel: str) -> bool:
        return rel in self._file_set

    @cached_property
    def _file_set(self) -> frozenset[str]:
        return frozenset(self.files)

    def glob(self, pattern: str) -> list[str]:
        """Files whose path matches a regular expression (searched, not anchored)."""
        rx = re.compile(pattern)
        return [f for f in self.files if rx.search(f)]

    def text(self, rel: str) -> str | None:
        """The file's text (UTF-8, undecodable bytes replaced), or None when missing or unreadable."""
        if rel not in self._texts:
            self._texts[rel] = self._read(rel)
        return self._texts[rel]

    def _read(self, rel: str) -> str | None:
        if rel not in self._file_set:
            return None
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
        try:
            fd = os.open(self.root / rel, flags)
        except OSError:
            return None
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                return None
            data = os.read(fd, MAX_READ_BYTES)
        except OSError:
            return None
        finally:
            os.close(fd)
        if b"\x00" in data[:8192]:
            return None
        return data.decode("utf-8", errors="replace")

    def lines(self, rel: str) -> list[str]:
        text = self.text(rel)
        return text.splitlines() if text is not None else []

    @staticmethod
    def is_test(rel: str) -> bool:
        parts = PurePosixPath(rel).parts
        name = parts[-1]
        return (
            # End-to-end suites too: an Nx or Angular workspace's e2e/, Cypress's and Playwright's folders.
            any(
                p in ("tests", "test", "testing", "fixtures", "spec", "__tests__", "e2e", "cypress") for p in parts[:-1]
            )
            or name.startswith("test_")
            or name.endswith(("_test.py", "_test.go", "_spec.rb", "_test.rb"))
            or bool(re.search(r"\.(test|spec)\.[cm]?[jt]sx?$", name))
            or name in ("conftest.py", "tests.py")
        )

    @cached_property
    def python_files(self) -> list[str]:
        """Python files of the application itself (tests and fixtures excluded)."""
        return [f for f in self.files if f.endswith(".py") and not self.is_test(f)]

    def ast(self, rel: str) -> ast.Module | None:
        if rel not in self._asts:
            text = self.text(rel)
            tree = None
            if text is not None:
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        tree = ast.parse(text, filename=rel)
                except (SyntaxError, ValueError, RecursionError, MemoryError):
                    tree = None
            self._asts[rel] = tree
        return self._asts[rel]

    def python_trees(self) -> list[tuple[str, Module]]:
        out = []
        for rel in self.python_files:
            tree = self.ast(rel)
            if tree is not None:
                out.append((rel, tree))
        return out

    @cached_property
    def process_types(self) -> ProcessTypes:
        """The app's process types from every descriptor it has (labs.grading.process_types).

        Raises SubmissionRefused for a descriptor no real app would write (an 8 KiB command, 50+ types)."""
        from labs.grading.process_types import read

        return read(self)

    @cached_property
    def is_python(self) -> bool:
        markers = ("requirements.txt", "pyproject.toml", "setup.py", "Pipfile", "manage.py")
        return any(self.exists(m) for m in markers) or bool(self.python_files)

    @cached_property
    def is_node(self) -> bool:
        return self.exists("package.json")

    def grep(self, pattern: str, files: list[str]) -> list[tuple[str, int, str]]:
        """(path, line number, line) for each line matching the regular expression."""
        rx = re.compile(pattern)
        hits = []
        for rel in files:
            for number, line in enumerate(self.lines(rel), start=1):
                if rx.search(line):
                    hits.append((rel, number, line.strip()))
        return hits


def where(rel: str, line: int | None = None) -> str:
    return f"{rel}:{line}" if line else rel

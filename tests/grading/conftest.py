"""Fixtures for the grader's tests: the clean reference app, copied so each test can mutate it."""

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from labs.grading.checks import REGISTRY, StaticContext
from labs.grading.definitions import load_lab
from labs.grading.repo import Repo
from tests.archives import CLEAN_APP


@pytest.fixture
def clean_app(tmp_path: Path) -> Path:
    target = tmp_path / "app"
    shutil.copytree(CLEAN_APP, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


@pytest.fixture
def make_repo(tmp_path: Path) -> Callable[[dict[str, str]], Path]:
    """Write {relative path: text} into a fresh folder and return it."""
    counter = iter(range(1000))

    def make(files: dict[str, str]) -> Path:
        root = tmp_path / f"repo{next(counter)}"
        for rel, text in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        root.mkdir(exist_ok=True)
        return root

    return make


@pytest.fixture
def run_static() -> Callable[[Path, str], object]:
    """Run one static check on a folder and return its Verdict."""
    lab = load_lab("audit")

    def run(root: Path, check_id: str):
        spec = REGISTRY[check_id]
        assert spec.kind == "static"
        return spec.func(StaticContext(repo=Repo(root), lab=lab, contract=None))

    return run

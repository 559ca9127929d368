"""What the Node code requires, against what package.json declares (dependencies.no-undeclared-imports)."""

import json

from labs.grading.checks import DynamicContext
from labs.grading.checks.dependencies import no_undeclared_imports
from labs.grading.definitions import load_lab
from labs.grading.manifest import Manifest, node_declared, node_package_imports
from labs.grading.repo import Repo
from labs.grading.report import Build, RunReport, Step

SERVER = """'use strict';
const express = require('express');
const { join } = require('node:path');
const fs = require("fs/promises");
const helper = require('./lib/helper');
import pino from "pino";
import { z } from '@scope/zod/v4';
// const old = require('left-pad');
const lazy = await import('debug');
"""


def test_node_package_imports_names_packages_by_bare_name(make_repo):
    repo = Repo(make_repo({"server.js": SERVER, "test/app.test.js": "require('supertest')"}))
    assert node_package_imports(repo) == {
        "express": ("server.js", 2),
        "pino": ("server.js", 6),
        "@scope/zod": ("server.js", 7),
        "debug": ("server.js", 9),
    }


def test_node_declared_reads_every_dependency_table():
    package = {"dependencies": {"a": "1"}, "devDependencies": {"b": "1"}, "peerDependencies": {"c": "1"}, "x": 1}
    assert node_declared(package) == {"a", "b", "c"}


def _check(make_repo, package: dict) -> tuple[str, str]:
    root = make_repo({"server.js": SERVER, "package.json": json.dumps(package)})
    run = RunReport()
    run.build = Build(manifest=Manifest(file="package.json"), source="npm registry")
    run.build.step = Step("npm ci", 0, 1.0, False)
    verdict = no_undeclared_imports(DynamicContext(repo=Repo(root), lab=load_lab("audit"), contract=None, run=run))
    return verdict.status, verdict.evidence


def test_a_package_only_installed_as_a_dependency_of_another_fails(make_repo):
    status, evidence = _check(make_repo, {"dependencies": {"express": "^4", "pino": "^9", "@scope/zod": "^4"}})
    assert status == "fail"
    assert evidence == "not declared in package.json: server.js:9 requires debug"


def test_every_required_package_declared_passes(make_repo):
    package = {"dependencies": {"express": "^4", "pino": "^9", "@scope/zod": "^4"}, "devDependencies": {"debug": "1"}}
    assert _check(make_repo, package) == ("pass", "all 4 package(s) the code requires are declared in package.json")


COMMANDS = """import click


@click.command()
def test():
    import pytest

    pytest.main(["tests"])
"""


def _python_check(make_repo, files: dict[str, str], missing: dict[str, tuple[str, int]]) -> tuple[str, str]:
    root = make_repo({"requirements.txt": "click==8.1.7\n", **files})
    run = RunReport()
    run.build = Build(manifest=Manifest(file="requirements.txt"), probed_imports=2, missing_imports=missing)
    run.build.step = Step("uv pip install -r requirements.txt", 0, 1.0, False)
    verdict = no_undeclared_imports(DynamicContext(repo=Repo(root), lab=load_lab("audit"), contract=None, run=run))
    return verdict.status, verdict.evidence


def test_a_development_tool_imported_inside_a_command_and_declared_for_development_is_not_undeclared(make_repo):
    files = {"app/commands.py": COMMANDS, "Pipfile": '[packages]\nclick = "*"\n\n[dev-packages]\npytest = "*"\n'}
    status, evidence = _python_check(make_repo, files, {"pytest": ("app/commands.py", 6)})
    assert status == "pass"
    assert evidence == (
        "all 1 third-party module(s) the code imports resolve in the fresh venv; declared for development only: "
        "pytest (app/commands.py:6, inside a function; Pipfile [dev-packages])"
    )


def test_a_development_package_the_app_imports_as_it_loads_is_still_missing_from_production(make_repo):
    files = {"app/web.py": "import pytest\n", "requirements-dev.txt": "pytest==8.3.3\n"}
    status, evidence = _python_check(make_repo, files, {"pytest": ("app/web.py", 1)})
    assert status == "fail" and evidence.startswith("not installed from the declared dependencies: app/web.py:1")


def test_a_package_imported_inside_a_function_but_declared_nowhere_is_undeclared(make_repo):
    status, evidence = _python_check(make_repo, {"app/commands.py": COMMANDS}, {"pytest": ("app/commands.py", 6)})
    assert status == "fail" and "app/commands.py:6 imports pytest" in evidence


def test_development_packages_are_read_from_every_usual_declaration(make_repo):
    from labs.grading.manifest import development_packages

    pyproject = (
        '[project]\nname = "x"\ndependencies = ["flask"]\n'
        '[project.optional-dependencies]\npostgres = ["psycopg"]\ntest = ["pytest-django>=4"]\n'
        '[dependency-groups]\nlint = ["ruff"]\n'
        '[tool.poetry.group.typing.dependencies]\nmypy = "^1"\n'
    )
    files = {
        "pyproject.toml": pyproject,
        "requirements/dev.txt": "factory_boy==3.3\n",
        "Pipfile": "[dev-packages]\nFaker='*'\n",
    }
    found = development_packages(Repo(make_repo(files)))
    assert found == {
        "pytest-django": "pyproject.toml [project.optional-dependencies] test",
        "ruff": "pyproject.toml [dependency-groups] lint",
        "mypy": "pyproject.toml [tool.poetry.group.typing]",
        "factory-boy": "requirements/dev.txt",
        "faker": "Pipfile [dev-packages]",
    }


def test_a_node_app_with_a_database_is_not_said_to_declare_none(make_repo):
    from labs.grading.checks.backing_services import attached_by_config

    package = {"dependencies": {"express": "^4", "@prisma/client": "^4"}, "devDependencies": {"prisma": "^4"}}
    root = make_repo({"server.js": SERVER, "package.json": json.dumps(package)})
    context = DynamicContext(repo=Repo(root), lab=load_lab("audit"), contract=None, run=RunReport())
    verdict = attached_by_config(context)
    assert verdict.status == "skip"
    assert (
        verdict.evidence
        == "the app uses a database (@prisma/client, prisma): the grader attaches one to Python apps only"
    )

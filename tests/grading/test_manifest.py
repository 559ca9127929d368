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

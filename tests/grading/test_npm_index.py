"""Node packages from the real npm registry, through the caching npm registry proxy (labs.grading.npm_proxy)."""

import json

import pytest

from labs.grading import grade, install
from labs.grading.repo import Repo

# Answers only when the locked debug@2.6.9 (and its ms@2.0.0) were installed.
SERVER = """const http = require("http");
const debug = require("debug")("app");
const ok = require("debug/package.json").version === "2.6.9" && require("ms/package.json").version === "2.0.0";
const server = http.createServer((req, res) => {
  debug(req.url);
  res.statusCode = ok ? 200 : 500;
  res.end("ok\\n");
});
server.listen(Number(process.env.PORT), "0.0.0.0");
process.on("SIGTERM", () => server.close(() => process.exit(0)));
"""
PACKAGE = {"name": "hello", "version": "1.0.0", "dependencies": {"debug": "^2.6.0"}}
LOCK = {
    "name": "hello",
    "version": "1.0.0",
    "lockfileVersion": 3,
    "requires": True,
    "packages": {
        "": {"name": "hello", "version": "1.0.0", "dependencies": {"debug": "^2.6.0"}},
        "node_modules/debug": {
            "version": "2.6.9",
            "resolved": "https://registry.npmjs.org/debug/-/debug-2.6.9.tgz",
            "integrity": "sha512-bC7ElrdJaJnPbAP+1EotYvqZsb3ecl5wi6Bfi6BJTUcNowp6cvspg0jXznRTKDjm"
            "/E7AdgFBVeAPVMNcKGsHMA==",
            "dependencies": {"ms": "2.0.0"},
        },
        "node_modules/ms": {
            "version": "2.0.0",
            "resolved": "https://registry.npmjs.org/ms/-/ms-2.0.0.tgz",
            "integrity": "sha512-Tpp60P6IUJDTuOq/5Z8cdskzJujfwqfOTkrwIwj7IRISpnkJnT6SyJ4PCPnGMoFjC9dd"
            "hal5KVIYtAt97ix05A==",
        },
    },
}


@pytest.fixture
def node_app(make_repo):
    return make_repo(
        {
            "server.js": SERVER,
            "package.json": json.dumps(PACKAGE),
            "package-lock.json": json.dumps(LOCK),
            "Procfile": "web: node server.js\n",
        }
    )


@pytest.mark.parametrize(
    "spec",
    ["file:../lib", "git+https://example.org/x.git", "github:user/repo", "user/repo", "https://example.org/x.tgz"],
)
def test_a_node_dependency_by_path_or_url_is_refused(make_repo, spec):
    package = {"name": "x", "dependencies": {"left-pad": "1.3.0", "mine": spec}}
    plan = install.npm_plan(Repo(make_repo({"package.json": json.dumps(package)})), package)
    assert plan.refused and "mine" in plan.refused


def test_an_npm_alias_and_a_scoped_package_are_named_packages(make_repo):
    package = {"name": "x", "dependencies": {"@types/node": "^20", "old": "npm:left-pad@1.3.0"}}
    plan = install.npm_plan(Repo(make_repo({"package.json": json.dumps(package)})), package)
    assert plan.refused is None and plan.shown.startswith("npm install")


@pytest.mark.sandbox
def test_a_locked_node_app_installs_through_the_npm_proxy_and_a_second_grade_asks_upstream_nothing(
    through_npm, node_app
):
    before = len(through_npm.upstream_requests())
    by_id = {c.id: c for c in grade(node_app, "audit").checks}
    install_check = by_id["dependencies.isolated-install"]
    assert install_check.status == "pass", install_check.evidence
    assert "npm ci" in install_check.evidence
    assert by_id["port-binding.answers-http"].status == "pass", by_id["port-binding.answers-http"].evidence
    fetched = through_npm.upstream_requests()[before:]
    assert any("debug" in request for request in fetched), fetched

    again = {c.id: c for c in grade(node_app, "audit").checks}
    assert again["port-binding.answers-http"].status == "pass"
    assert through_npm.upstream_requests()[before + len(fetched) :] == []

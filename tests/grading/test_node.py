"""Node apps: static checks always; dynamic ones when the app needs no packages (there is no offline registry)."""

import json

import pytest

from labs.grading import grade

SERVER = """const http = require("http");
const server = http.createServer((req, res) => {
  console.log(`${req.method} ${req.url}`);
  if (req.url === "/slow") {
    setTimeout(() => res.end("done\\n"), 1000);
    return;
  }
  res.end("ok\\n");
});
server.listen(Number(process.env.PORT), "0.0.0.0");
process.on("SIGTERM", () => server.close(() => process.exit(0)));
"""


@pytest.fixture
def node_app(make_repo):
    return make_repo(
        {
            "server.js": SERVER,
            "package.json": json.dumps({"name": "hello", "version": "1.0.0", "scripts": {"start": "node server.js"}}),
            "package-lock.json": json.dumps({"name": "hello", "lockfileVersion": 3, "packages": {}}),
            "Procfile": "web: node server.js\n",
            ".twelve-factor.yml": "contract:\n  slow: {path: /slow, seconds: 1}\n",
        }
    )


@pytest.mark.sandbox
def test_dependency_free_node_app_is_graded_dynamically(node_app):
    card = grade(node_app, "audit")
    by_id = {c.id: c for c in card.checks}
    for check_id in (
        "port-binding.answers-http",
        "port-binding.all-interfaces",
        "disposability.graceful-shutdown",
        "logs.output-to-stdout",
        "dependencies.pinned",
        "disposability.handles-sigterm",
    ):
        assert by_id[check_id].status == "pass", (check_id, by_id[check_id].evidence)
    assert not [c for c in card.checks if c.status in ("fail", "error")]
    assert card.passed


@pytest.mark.sandbox
def test_node_app_with_dependencies_is_graded_statically(node_app):
    (node_app / "package.json").write_text(json.dumps({"name": "x", "dependencies": {"express": "^4.21.0"}}))
    card = grade(node_app, "audit")
    by_id = {c.id: c for c in card.checks}
    assert by_id["port-binding.reads-port"].status == "pass"
    assert by_id["port-binding.answers-http"].status == "skip"
    assert "no npm registry" in by_id["port-binding.answers-http"].evidence
    assert not card.passed


def test_node_static_checks(make_repo, run_static):
    root = make_repo({"package.json": "{}", "server.js": "require('http').createServer().listen(3000)\n"})
    assert run_static(root, "dependencies.pinned").status == "pass"  # no packages: nothing to lock
    (root / "package.json").write_text(json.dumps({"dependencies": {"express": "^4.21.0"}}))
    assert run_static(root, "dependencies.pinned").status == "warn"
    assert run_static(root, "port-binding.reads-port").status == "fail"
    assert run_static(root, "disposability.handles-sigterm").status == "fail"


@pytest.mark.sandbox
def test_node_app_without_a_procfile_runs_its_start_script(node_app):
    (node_app / "Procfile").unlink()
    card = grade(node_app, "audit")
    by_id = {c.id: c for c in card.checks}
    assert by_id["concurrency.process-types"].status == "warn"
    assert (
        "`web: npm start` (inferred, not declared: package.json:1 scripts.start)"
        in by_id["concurrency.process-types"].evidence
    )
    # The script runs without npm's wrapper, which would not pass SIGTERM on to node.
    for check_id in ("port-binding.answers-http", "disposability.graceful-shutdown", "logs.output-to-stdout"):
        assert by_id[check_id].status == "pass", (check_id, by_id[check_id].evidence)


@pytest.mark.sandbox
def test_an_app_that_logs_nothing_warns_on_output_to_stdout(node_app):
    server = node_app / "server.js"
    server.write_text(SERVER.replace("  console.log(`${req.method} ${req.url}`);\n", ""))
    card = grade(node_app, "audit")
    output = next(c for c in card.checks if c.id == "logs.output-to-stdout")
    assert output.status == "warn", output.evidence
    assert "nothing went to a file either: the app logs no request at all" in output.evidence

"""Dependencies from a real package index, through the caching proxy (labs.grading.index, index_proxy, install)."""

import json
import textwrap
from pathlib import Path

import pytest

from labs.grading import Fault, GraderFault, grade, index, install, pythons
from labs.grading.manifest import python_manifest
from labs.grading.repo import Repo

# Serves 200 only when the installed version is the one pinned: a passing port-binding check proves the install.
VERSION_APP = """
import os
from http.server import BaseHTTPRequestHandler, HTTPServer
from importlib.metadata import version

import {module}

ok = version("{dist}") == "{pin}"

class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = version("{dist}").encode()
        self.send_response(200 if ok else 500)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

HTTPServer(("0.0.0.0", int(os.environ["PORT"])), Handler).serve_forever()
"""


def pinned_app(root: Path, *, dist: str, module: str, pin: str, files: dict[str, str]) -> Path:
    root.mkdir(parents=True)
    (root / "app.py").write_text(textwrap.dedent(VERSION_APP.format(dist=dist, module=module, pin=pin)))
    (root / "Procfile").write_text("web: python app.py\n")
    for rel, text in files.items():
        (root / rel).write_text(textwrap.dedent(text))
    return root


def checks(card) -> dict:
    return {c.id: c for c in card.checks}


# -- settings and plans: no sandbox, no network -------------------------------------------------------------------


def test_index_settings_default_offline_and_invalid():
    assert index.settings({}).upstream == "https://pypi.org/simple/"
    assert index.settings({"GRADER_INDEX_URL": "offline"}).offline
    assert index.settings({"GRADER_INDEX_URL": "https://mirror.internal/simple"}).upstream.endswith("/simple/")
    with pytest.raises(ValueError, match="GRADER_INDEX_URL"):
        index.settings({"GRADER_INDEX_URL": "file:///srv/wheels"})


def test_proxy_problem_names_the_missing_process(tmp_path):
    current = index.settings({"GRADER_INDEX_SOCKET": str(tmp_path / "none.sock")})
    assert "`index` process" in index.problem(current)
    assert index.problem(index.settings({"GRADER_INDEX_URL": "offline"})) is None


def plan_of(make_repo, files: dict[str, str]) -> install.Plan:
    repo = Repo(make_repo({"app.py": "x = 1\n", **files}))
    return install.plan(repo, python_manifest(repo))


def test_poetry_project_is_constrained_to_its_lock(make_repo):
    pyproject = '[tool.poetry]\nname = "x"\n[tool.poetry.dependencies]\npython = "^3.9"\nflask = "^2.0"\n'
    lock = (
        '[[package]]\nname = "flask"\nversion = "2.0.3"\n\n[[package]]\nname = "pywin32"\nversion = "306"\n\n'
        '[[package]]\nname = "click"\nversion = "8.0.0"\n\n[[package]]\nname = "click"\nversion = "7.1.2"\n'
    )
    plan = plan_of(make_repo, {"pyproject.toml": pyproject, "poetry.lock": lock})
    assert plan.requirements == "pyproject.toml" and plan.refused is None
    # Every locked version constrains the resolution; a name locked twice (a fork by markers) is left to uv.
    assert plan.files[plan.constraints] == "flask==2.0.3\npywin32==306\n"


def test_uv_lock_pins_everything_but_the_project(make_repo):
    pyproject = '[project]\nname = "x"\nversion = "0.1"\ndependencies = ["asgiref"]\n'
    lock = (
        'version = 1\n[[package]]\nname = "x"\nversion = "0.1"\nsource = { virtual = "." }\n\n'
        '[[package]]\nname = "asgiref"\nversion = "3.5.0"\nsource = { registry = "https://pypi.org/simple" }\n'
    )
    plan = plan_of(make_repo, {"pyproject.toml": pyproject, "uv.lock": lock})
    assert plan.files[plan.constraints] == "asgiref==3.5.0\n"


def test_pipfile_lock_becomes_requirements_with_markers(make_repo):
    lock = {
        "default": {
            "django": {"version": "==1.11.29", "hashes": []},
            "colorama": {"version": "==0.4.6", "markers": "sys_platform == 'win32'"},
        },
        "develop": {"pytest": {"version": "==7.0.0"}},
    }
    plan = plan_of(make_repo, {"Pipfile": "[packages]\ndjango = '*'\n", "Pipfile.lock": json.dumps(lock)})
    assert plan.files[plan.requirements] == "django==1.11.29\ncolorama==0.4.6 ; sys_platform == 'win32'\n"


@pytest.mark.parametrize(
    "files",
    [
        {"requirements.txt": "flask==3.1.3\n./vendor/mine\n"},
        {"requirements.txt": "-r https://example.org/base.txt\n"},
        {"requirements.txt": "-r base.txt\n", "base.txt": "mine @ file:///srv/mine\n"},
        {"pyproject.toml": '[project]\nname = "x"\ndependencies = ["mine @ git+https://example.org/mine"]\n'},
        {"pyproject.toml": '[tool.poetry]\nname = "x"\n[tool.poetry.dependencies]\nmine = {path = "../mine"}\n'},
        {"pyproject.toml": '[project]\nname = "x"\ndependencies = []\n[tool.uv.sources]\nmine = { path = "lib" }\n'},
        {"Pipfile": '[packages]\nmine = {editable = true, path = "."}\n'},
        {
            "pyproject.toml": '[project]\nname = "x"\ndependencies = ["mine"]\n',
            "uv.lock": '[[package]]\nname = "mine"\nversion = "1"\nsource = { git = "https://example.org/m" }\n',
        },
    ],
    ids=["path", "include-url", "included-file", "pep508-url", "poetry-path", "uv-source", "pipfile", "uv-lock-git"],
)
def test_path_and_url_dependencies_are_refused(make_repo, files):
    plan = plan_of(make_repo, files)
    assert plan.refused and "named packages from its package index only" in plan.refused


def test_python_choice_prefers_the_version_asked(make_repo, monkeypatch):
    versions = {"/usr/bin/python3.10": (3, 10), "/usr/bin/python3.11": (3, 11), "/usr/bin/python3.12": (3, 12)}
    monkeypatch.setattr(pythons, "_version", versions.get)
    env = {"GRADER_PYTHONS": ",".join(versions)}

    def choice(files):
        return pythons.choose(Repo(make_repo({"app.py": "", **files})), env)

    assert choice({}).version == (3, 12)
    assert choice({"runtime.txt": "python-3.10.4\n"}).path == "/usr/bin/python3.10"
    assert choice({"pyproject.toml": '[project]\nrequires-python = ">=3.9,<3.12"\n'}).version == (3, 11)
    far = choice({".python-version": "3.8\n"})
    assert (far.version, far.matches, far.asked, far.source) == ((3, 10), False, "3.8", ".python-version")
    commented = choice({".python-version": "# The Python version to use for the project.\n3.10\n"})
    assert (commented.asked, commented.path) == ("3.10", "/usr/bin/python3.10")  # heroku's template has a comment


# -- through the real proxy, in the sandbox -----------------------------------------------------------------------


@pytest.mark.sandbox
def test_an_old_pin_installs_through_the_proxy_and_a_second_grade_asks_upstream_nothing(through_index, tmp_path):
    app = pinned_app(
        tmp_path / "app", dist="asgiref", module="asgiref", pin="3.5.0", files={"requirements.txt": "asgiref==3.5.0\n"}
    )
    before = len(through_index.upstream_requests())
    first = checks(grade(app, "audit"))
    assert first["dependencies.isolated-install"].status == "pass", first["dependencies.isolated-install"].evidence
    assert "package index" in first["dependencies.isolated-install"].evidence
    assert first["port-binding.answers-http"].status == "pass", first["port-binding.answers-http"].evidence
    fetched = through_index.upstream_requests()[before:]
    assert any("asgiref-3.5.0" in request for request in fetched), fetched

    again = checks(grade(app, "audit"))
    assert again["port-binding.answers-http"].status == "pass"
    assert through_index.upstream_requests()[before + len(fetched) :] == []


@pytest.mark.sandbox
def test_old_django_from_a_pipfile_lock_installs_through_the_proxy(through_index, tmp_path):
    lock = {"default": {"django": {"version": "==1.11.29"}, "pytz": {"version": "==2024.1"}}}
    app = pinned_app(
        tmp_path / "app",
        dist="django",
        module="django",
        pin="1.11.29",
        files={"Pipfile": "[packages]\ndjango = '==1.11.29'\n", "Pipfile.lock": json.dumps(lock)},
    )
    card = checks(grade(app, "audit"))
    assert card["dependencies.isolated-install"].status == "pass", card["dependencies.isolated-install"].evidence
    assert card["port-binding.answers-http"].status == "pass", card["port-binding.answers-http"].evidence


POETRY_PROJECT = """
[tool.poetry]
name = "app"
version = "0.1.0"
description = ""
authors = ["Learner <learner@example.org>"]
packages = [{include = "app.py"}]

[tool.poetry.dependencies]
python = "^3.8"
asgiref = "^3.4"

[build-system]
requires = ["poetry-core"]
build-backend = "poetry.core.masonry.api"
"""
UV_PROJECT = '[project]\nname = "app"\nversion = "0.1.0"\ndependencies = ["asgiref>=3"]\n'
ASGIREF_LOCK = '[[package]]\nname = "asgiref"\nversion = "3.5.0"\n'
UV_LOCK = (
    'version = 1\n[[package]]\nname = "app"\nversion = "0.1.0"\nsource = { virtual = "." }\n\n'
    + ASGIREF_LOCK
    + 'source = { registry = "https://pypi.org/simple" }\n'
)


@pytest.mark.sandbox
@pytest.mark.parametrize(
    "files",
    [
        {"pyproject.toml": POETRY_PROJECT, "poetry.lock": ASGIREF_LOCK},
        {"pyproject.toml": UV_PROJECT, "uv.lock": UV_LOCK},
    ],
    ids=["poetry", "uv"],
)
def test_a_project_installs_the_versions_of_its_lock(through_index, tmp_path, files):
    # The manifest allows any newer asgiref; the app answers only if the lock's 3.5.0 was installed.
    app = pinned_app(tmp_path / "app", dist="asgiref", module="asgiref", pin="3.5.0", files=files)
    card = checks(grade(app, "audit"))
    install_check = card["dependencies.isolated-install"]
    assert install_check.status == "pass", install_check.evidence
    assert "versions of" in install_check.evidence
    assert card["port-binding.answers-http"].status == "pass", card["port-binding.answers-http"].evidence


@pytest.mark.sandbox
def test_a_package_the_index_does_not_have_is_not_our_error(through_index, tmp_path):
    app = pinned_app(
        tmp_path / "app",
        dist="asgiref",
        module="asgiref",
        pin="3.5.0",
        files={"requirements.txt": "asgiref==3.5.0\nno-such-package-for-the-grader-tests==1.0\n"},
    )
    card = grade(app, "audit")
    install_check = checks(card)["dependencies.isolated-install"]
    assert install_check.status == "fail"  # the real index does not have it: the learner's to fix
    assert "no-such-package-for-the-grader-tests" in install_check.evidence
    assert "proxy" not in install_check.evidence


@pytest.mark.sandbox
def test_a_stopped_proxy_is_our_error_not_the_learners(monkeypatch, tmp_path, clean_app):
    monkeypatch.setenv("GRADER_INDEX_URL", "https://pypi.org/simple/")
    monkeypatch.setenv("GRADER_INDEX_SOCKET", str(tmp_path / "stopped.sock"))
    with pytest.raises(GraderFault, match="`index` process") as raised:
        grade(clean_app, "audit")
    assert raised.value.kind == Fault.PACKAGE_INDEX


@pytest.mark.sandbox
def test_an_unreachable_upstream_is_our_error(monkeypatch, tmp_path, clean_app):
    from tests.index_proxy import IndexProxy

    proxy = IndexProxy(tmp_path / "proxy", upstream="http://127.0.0.1:9/simple/")  # nothing listens there
    try:
        for name, value in proxy.env.items():
            monkeypatch.setenv(name, value)
        with pytest.raises(GraderFault, match="the package index proxy failed during the install: .*502") as raised:
            grade(clean_app, "audit")
    finally:
        proxy.stop()
    assert raised.value.kind == Fault.PACKAGE_INDEX


@pytest.mark.sandbox
def test_python_mismatch_warns_and_still_installs_from_the_index(through_index, tmp_path):
    app = pinned_app(
        tmp_path / "app",
        dist="asgiref",
        module="asgiref",
        pin="3.5.0",
        files={"requirements.txt": "asgiref==3.5.0\n", ".python-version": "3.8\n"},
    )
    card = checks(grade(app, "audit"))
    assert card["dependencies.isolated-install"].status == "warn"
    assert ".python-version asks for Python 3.8" in card["dependencies.isolated-install"].evidence
    assert card["port-binding.answers-http"].status == "pass"


def test_a_conditional_request_for_a_cached_file_is_answered_304_not_502(index_proxy):
    """uv revalidates the files it cached with If-None-Match / If-Modified-Since: a real repository's second install
    through the proxy (Flask-Moment's sdist) came back 502, an index fault, until a 304 was passed on."""
    import http.client
    import re
    import socket

    def get(path: str, **headers: str) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("index", timeout=60)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(str(index_proxy.socket))
        conn.sock = sock
        conn.request("GET", path, headers={"Accept": "text/html", **headers})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()

    status, _, page = get("/index/six/")
    assert status == 200
    name = re.search(rb"six-1\.16\.0-py2\.py3-none-any\.whl", page).group().decode()
    status, headers, _ = get(f"/index/six/{name}")
    assert status == 200
    validators = {"If-None-Match": headers.get("ETag"), "If-Modified-Since": headers.get("Last-Modified")}
    assert any(validators.values()), "proxpi sends validators for the files it serves"
    status, _, _ = get(f"/index/six/{name}", **{k: v for k, v in validators.items() if v})
    assert status == 304


@pytest.mark.sandbox
def test_packages_that_need_a_python_the_grader_lacks_are_not_run_and_cannot_pass(through_index, tmp_path):
    """heroku/python-getting-started asks for Python 3.14 and Django 6.0 (which needs 3.12): on a 3.11-only worker
    it scored 40 with a dozen 'blocked' fails, as if the learner's install had failed."""
    app = tmp_path / "app"
    app.mkdir()
    (app / "requirements.txt").write_text("django>=6.0,<6.1\ngunicorn\n")
    (app / ".python-version").write_text("# The Python version to use for the project.\n3.14\n")
    (app / "Procfile").write_text("web: gunicorn app:application\n")
    (app / "app.py").write_text("import django\n\ndef application(environ, start_response):\n    return [b'ok']\n")

    card = grade(app, "audit")
    by_id = checks(card)
    install_check = by_id["dependencies.isolated-install"]
    assert install_check.status == "skip"
    assert "Python>=3.12" in install_check.evidence and ".python-version asks for Python 3.14" in install_check.evidence
    assert "3.11" in install_check.evidence and "GRADER_PYTHONS" in install_check.evidence
    assert by_id["port-binding.answers-http"].status == "skip"  # not "blocked": it is not the learner's failure
    assert not card.passed
    assert by_id["config.no-committed-secrets"].status == "pass"  # the static checks still read the code

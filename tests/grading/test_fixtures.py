"""The fixture matrix: the clean app scores 100 on audit; each mutation breaks exactly its own factor.

Each mutation copies the clean app (tests/fixtures/clean_app) and makes one small change in code here.
"""

from collections.abc import Callable
from pathlib import Path

import pytest

from labs.grading import Fault, GraderFault, grade

pytestmark = pytest.mark.sandbox


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def environment_copies(app: Path) -> None:
    (app / "counter" / "settings_dev.py").write_text('LOG_LEVEL = "DEBUG"\n')
    (app / "counter" / "settings_prod.py").write_text('LOG_LEVEL = "INFO"\n')


def undeclared_import(app: Path) -> None:
    edit(
        app / "counter" / "web.py",
        '@app.get("/slow")',
        '@app.get("/report")\ndef report():\n    import requests\n\n    return requests.__version__\n\n\n'
        '@app.get("/slow")',
    )


def hardcoded_secret(app: Path) -> None:
    edit(
        app / "counter" / "web.py", 'os.environ["SECRET_KEY"]', '"a8f5f167f44f4964e6c998dee827110c"'
    )  # pragma: allowlist secret


def hardcoded_database(app: Path) -> None:
    edit(app / "counter" / "db.py", 'url = os.environ["DATABASE_URL"]', 'url = "sqlite:////tmp/counter.db"')


def build_at_run_time(app: Path) -> None:
    (app / "counter" / "collectstatic.py").write_text(
        "from pathlib import Path\n\n"
        "Path('static').mkdir(exist_ok=True)\nPath('static/app.css').write_text('body {}')\n"
    )
    edit(app / "Procfile", "web: gunicorn", "web: python -m counter.collectstatic && exec gunicorn")


def state_in_memory(app: Path) -> None:
    web = app / "counter" / "web.py"
    edit(web, "SLOW_SECONDS =", "COUNTER = {'value': 0}\nSLOW_SECONDS =")
    edit(
        web,
        'value = connect().execute("SELECT value FROM counter WHERE id = 1").fetchone()[0]',
        'value = COUNTER["value"]',
    )
    edit(
        web,
        'value = connect().execute("UPDATE counter SET value = value + 1 WHERE id = 1 RETURNING value").fetchone()[0]',
        'COUNTER["value"] += 1\n    value = COUNTER["value"]',
    )


def loopback_only(app: Path) -> None:
    edit(app / "Procfile", "--bind 0.0.0.0:$PORT", "--bind 127.0.0.1:$PORT")


def daemonized_worker(app: Path) -> None:
    edit(app / "Procfile", "worker: python -m counter.worker", "worker: nohup python -m counter.worker &")


def no_graceful_shutdown(app: Path) -> None:
    edit(app / "Procfile", "--graceful-timeout 15", "--graceful-timeout 0")


def sqlite_in_development(app: Path) -> None:
    edit(app / "requirements.txt", "gunicorn==27.0.1\n", "gunicorn==27.0.1\npsycopg[binary]==3.3.9\n")
    edit(
        app / "counter" / "db.py",
        'os.environ["DATABASE_URL"]',
        'os.environ.get("DATABASE_URL", "sqlite:///dev.sqlite3")',
    )


def log_file(app: Path) -> None:
    edit(
        app / "counter" / "web.py",
        "logging.basicConfig(stream=sys.stdout,",
        'logging.basicConfig(filename="counter.log",',
    )


def migrate_from_a_request(app: Path) -> None:
    edit(
        app / "counter" / "web.py",
        '@app.get("/slow")',
        '@app.post("/admin/migrate")\ndef migrate_now():\n    from counter.release import main as migrate\n\n'
        '    migrate()\n    return "migrated"\n\n\n@app.get("/slow")',
    )


MUTATIONS: dict[int, tuple[Callable[[Path], None], set[str]]] = {
    1: (environment_copies, {"codebase.no-environment-copies"}),
    2: (undeclared_import, {"dependencies.no-undeclared-imports"}),
    3: (hardcoded_secret, {"config.no-hardcoded-credentials", "config.no-committed-secrets"}),
    4: (hardcoded_database, {"backing-services.no-hardcoded-urls", "backing-services.attached-by-config"}),
    5: (build_at_run_time, {"build-release-run.no-build-in-run", "build-release-run.run-writes-no-build-artifacts"}),
    6: (state_in_memory, {"processes.no-in-memory-state", "processes.share-nothing"}),
    7: (loopback_only, {"port-binding.all-interfaces"}),
    8: (daemonized_worker, {"concurrency.no-daemonizing", "concurrency.process-types-run"}),
    9: (no_graceful_shutdown, {"disposability.handles-sigterm", "disposability.graceful-shutdown"}),
    10: (sqlite_in_development, {"dev-prod-parity.same-backing-services"}),
    11: (log_file, {"logs.no-log-files-in-code", "logs.no-log-files-written"}),
    12: (migrate_from_a_request, {"admin-processes.not-in-web-requests"}),
}


def test_clean_app_scores_100(clean_app):
    card = grade(clean_app, "audit")
    not_passing = {c.id: (c.status, c.evidence) for c in card.checks if c.status != "pass"}
    assert not_passing == {}
    assert card.score == 100
    assert card.passed
    assert card.error is None
    assert {c.factor for c in card.checks} == set(range(1, 13))


@pytest.mark.parametrize("factor", sorted(MUTATIONS), ids=lambda f: f"factor-{f}")
def test_mutation_breaks_exactly_its_factor(clean_app, factor):
    mutate, expected = MUTATIONS[factor]
    mutate(clean_app)
    card = grade(clean_app, "audit")
    by_id = {c.id: c for c in card.checks}
    for check_id in expected:
        assert by_id[check_id].status in ("fail", "warn"), (check_id, by_id[check_id].evidence)
    regressed = {c.id: (c.status, c.evidence) for c in card.checks if c.factor != factor and c.status != "pass"}
    assert regressed == {}
    assert card.score < 100


def test_undeclared_import_at_module_level_fails_for_real(clean_app):
    edit(clean_app / "counter" / "web.py", "from flask import", "import requests\nfrom flask import")
    card = grade(clean_app, "audit")
    by_id = {c.id: c for c in card.checks}
    undeclared = by_id["dependencies.no-undeclared-imports"]
    assert undeclared.status == "fail"
    assert "counter/web.py:8 imports requests" in undeclared.evidence
    assert by_id["port-binding.answers-http"].status == "fail"  # the web process really crashed
    assert by_id["port-binding.answers-http"].evidence.count("exited with status") == 1
    # The evidence says why, from the traceback, not gunicorn's last words ("Worker failed to boot").
    why = "ModuleNotFoundError: No module named 'requests' (raised from counter/web.py:8)"
    assert why in by_id["port-binding.answers-http"].evidence
    assert why in undeclared.evidence
    # Every check the dead service kept from running fails as blocked and counts; none is left out as an error.
    others = [c for c in card.checks if c.factor not in (2, 7, 9) and c.status == "fail"]
    assert others and all(c.evidence.startswith("blocked: the web process never answered") for c in others)
    assert not [c for c in card.checks if c.status == "error"]
    assert card.score <= 40 and not card.passed
    assert "port-binding.answers-http" in {c.id for c in card.blocking}


def test_a_service_that_crashes_at_start_is_told_by_its_exception_and_not_blamed_on_an_unrelated_import(clean_app):
    undeclared_import(clean_app)  # imported only when /report is asked for
    # What a project pinned for Python 3.9 meets on 3.11 (collections.MutableMapping moved to collections.abc).
    edit(
        clean_app / "counter" / "web.py",
        "from flask import",
        "import collections\n\ncollections.MutableMapping\nfrom flask import",
    )
    card = grade(clean_app, "audit")
    by_id = {c.id: c for c in card.checks}

    why = "AttributeError: module 'collections' has no attribute 'MutableMapping' (raised from counter/web.py:10)"
    assert why in by_id["port-binding.answers-http"].evidence
    assert "Worker failed to boot" not in by_id["port-binding.answers-http"].evidence
    blocked = by_id["logs.output-to-stdout"].evidence
    assert blocked.startswith("blocked: the web process never answered") and why in blocked
    undeclared = by_id["dependencies.no-undeclared-imports"]
    assert undeclared.status == "fail" and "imports requests" in undeclared.evidence
    assert "web process" not in undeclared.evidence  # the crash was not for want of it


def test_dependencies_that_contradict_each_other_fail_what_they_block(clean_app):
    (clean_app / "requirements.lock").unlink()
    (clean_app / "requirements.txt").write_text("Flask==3.1.3\ngunicorn==27.0.1\nflask>=9\n")
    card = grade(clean_app, "audit")
    by_id = {c.id: c for c in card.checks}
    install = by_id["dependencies.isolated-install"]
    assert install.status == "fail", install.evidence
    assert "flask" in install.evidence.lower()
    assert by_id["port-binding.answers-http"].evidence.startswith("blocked: the declared dependencies did not install")
    assert not [c for c in card.checks if c.status == "error"]
    assert card.score <= 40 and not card.passed


def test_a_package_the_offline_wheelhouse_lacks_is_our_fault_not_the_learners(clean_app):
    (clean_app / "requirements.lock").unlink()
    (clean_app / "requirements.txt").write_text("Flask==3.1.3\ngunicorn==27.0.1\nasgiref==3.5.0\nno-such-pkg==1.0\n")
    with pytest.raises(GraderFault, match="offline package set has no asgiref==3.5.0, no-such-pkg") as raised:
        grade(clean_app, "audit")
    assert raised.value.kind == Fault.PACKAGE_INDEX


def test_python_version_we_do_not_have_warns_and_the_app_still_runs(clean_app):
    (clean_app / "runtime.txt").write_text("python-3.13.1\n")
    card = grade(clean_app, "audit")
    by_id = {c.id: c for c in card.checks}
    install = by_id["dependencies.isolated-install"]
    assert install.status == "warn"
    assert "runtime.txt asks for Python 3.13.1" in install.evidence and "Python 3.11" in install.evidence
    assert by_id["port-binding.answers-http"].status == "pass"


def test_unpinned_without_lock_warns(clean_app):
    (clean_app / "requirements.lock").unlink()
    (clean_app / "requirements.txt").write_text("Flask\ngunicorn>=23\n")
    card = grade(clean_app, "audit")
    by_id = {c.id: c for c in card.checks}
    assert by_id["dependencies.pinned"].status == "warn"
    assert by_id["dependencies.isolated-install"].status == "pass"


def test_failing_release_fails_the_one_off_check(clean_app):
    edit(clean_app / "counter" / "release.py", "    main()\n", "    main()\n    raise SystemExit(2)\n")
    card = grade(clean_app, "audit")
    one_off = next(c for c in card.checks if c.id == "admin-processes.one-off-runs")
    assert one_off.status == "fail"
    assert "exited 2" in one_off.evidence


def test_without_a_slow_path_shutdown_holds_a_request_still_arriving(clean_app):
    edit(clean_app / ".twelve-factor.yml", "  slow: {path: /slow, seconds: 1}\n", "")
    card = grade(clean_app, "audit")
    shutdown = next(c for c in card.checks if c.id == "disposability.graceful-shutdown")
    assert shutdown.status == "pass", shutdown.evidence
    assert "after a client began sending GET /healthz: it still answered 200" in shutdown.evidence


def test_without_a_slow_path_a_dev_server_that_drops_what_it_accepted_fails(clean_app):
    edit(clean_app / ".twelve-factor.yml", "  slow: {path: /slow, seconds: 1}\n", "")
    # Flask's development server exits at once on SIGTERM, dropping the connection it was reading; nothing in the
    # app drains requests, so the drop is not a draining server closing an idle connection.
    procfile = clean_app / "Procfile"
    web = next(line for line in procfile.read_text().splitlines() if line.startswith("web:"))
    edit(procfile, web, "web: flask --app counter.web:app run --host 0.0.0.0 --port $PORT")
    card = grade(clean_app, "audit")
    shutdown = next(c for c in card.checks if c.id == "disposability.graceful-shutdown")
    assert shutdown.status == "fail", shutdown.evidence
    assert "the connection was closed before a request was in progress" in shutdown.evidence
    assert "nothing drains the requests in flight: Procfile:" in shutdown.evidence


def test_fake_scorecard_output_gains_nothing(clean_app):
    edit(
        clean_app / "counter" / "web.py",
        "app = Flask(__name__)",
        'print(\'{"lab": "audit", "score": 100, "passed": true, "checks": [], "error": null}\')\napp = Flask(__name__)',
    )
    loopback_only(clean_app)
    card = grade(clean_app, "audit")
    assert card.score < 100
    assert next(c for c in card.checks if c.id == "port-binding.all-interfaces").status == "fail"


def test_a_failing_declared_build_command_fails_the_run_stage_check(clean_app):
    (clean_app / ".twelve-factor.yml").write_text(
        (clean_app / ".twelve-factor.yml").read_text() + "build: python -c 'raise SystemExit(3)'\n"
    )
    card = grade(clean_app, "audit")
    check = next(c for c in card.checks if c.id == "build-release-run.run-writes-no-build-artifacts")
    assert check.status == "fail", check.evidence
    assert "(.twelve-factor.yml build) exited 3" in check.evidence


def test_a_failing_platform_default_build_is_reported_not_scored(make_repo):
    # A Django app with no STATIC_ROOT: the collectstatic Heroku's build would run fails, but the app never asked
    # for it, and starting the app writes nothing into the code.
    root = make_repo(
        {
            "requirements.txt": "django==5.2.19\ngunicorn==27.0.1\n",
            "manage.py": "import os, sys\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site_.settings')\n"
            "from django.core.management import execute_from_command_line\nexecute_from_command_line(sys.argv)\n",
            "site_/__init__.py": "",
            "site_/settings.py": "import os\nSECRET_KEY = os.environ['SECRET_KEY']\nROOT_URLCONF = 'site_.urls'\n"
            "INSTALLED_APPS = ['django.contrib.staticfiles']\nALLOWED_HOSTS = ['*']\nSTATIC_URL = 'static/'\n"
            "STATICFILES_DIRS = [os.path.join(os.path.dirname(__file__), 'static')]\n",
            "site_/static/site.css": "body { margin: 0 }\n",
            "site_/urls.py": "from django.http import HttpResponse\nfrom django.urls import path\n"
            "urlpatterns = [path('', lambda request: HttpResponse('ok'))]\n",
            "site_/wsgi.py": "import os\nos.environ.setdefault('DJANGO_SETTINGS_MODULE', 'site_.settings')\n"
            "from django.core.wsgi import get_wsgi_application\napplication = get_wsgi_application()\n",
            "Procfile": "web: gunicorn site_.wsgi\n",
        }
    )
    card = grade(root, "audit")
    check = next(c for c in card.checks if c.id == "build-release-run.run-writes-no-build-artifacts")
    assert check.status == "pass", check.evidence
    assert "not counted, since the repository does not declare it: the build command" in check.evidence
    assert "STATIC_ROOT" in check.evidence

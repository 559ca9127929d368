"""The checks read one model of the process types: any descriptor counts, an inferred web is a warning under VIII."""

import json

import pytest

from tests.grading.test_process_types import COMPOSE, RENDER_YAML

FLASK_APP = "from flask import Flask\napp = Flask(__name__)\n"


def test_inferred_web_warns_once_under_concurrency(make_repo, run_static):
    root = make_repo({"app.py": FLASK_APP, "requirements.txt": "flask==3.1.3\ngunicorn==23.0.0\n"})
    verdict = run_static(root, "concurrency.process-types")
    assert verdict.status == "warn"
    assert verdict.evidence == (
        "`web: gunicorn app:app` (inferred, not declared: app.py:2 app = Flask(…), gunicorn declared)"
    )
    # The other checks judge the command a platform would run, instead of failing for "no Procfile".
    for check_id in (
        "port-binding.reads-port",
        "build-release-run.no-build-in-run",
        "disposability.handles-sigterm",
        "dev-prod-parity.production-server",
    ):
        assert run_static(root, check_id).status == "pass", check_id


def test_an_inferred_command_s_port_is_not_the_repository_s(make_repo, run_static):
    files = {
        "manage.py": 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n',
        "mysite/wsgi.py": "application = None\n",
        "requirements.txt": "django==5.2.19\n",
    }
    verdict = run_static(make_repo(files), "port-binding.reads-port")
    assert verdict.status == "fail"
    assert verdict.evidence.startswith("nothing in the repository reads PORT: `web: python manage.py runserver")
    files["mysite/settings.py"] = 'import os\nPORT = os.environ.get("PORT")\n'
    assert run_static(make_repo(files), "port-binding.reads-port").status == "pass"


def test_platform_descriptors_declare_process_types(make_repo, run_static):
    root = make_repo({"render.yaml": RENDER_YAML, "app/__init__.py": ""})
    verdict = run_static(root, "concurrency.process-types")
    assert verdict.status == "pass"
    assert verdict.evidence == "render.yaml declares flask-app, mailer, preDeployCommand, nightly"


def test_process_types_spread_over_descriptors(make_repo, run_static):
    root = make_repo(
        {"Procfile": "worker: celery -A app worker\n", "Dockerfile": 'FROM x\nCMD ["gunicorn", "app:app"]\n'}
    )
    verdict = run_static(root, "concurrency.process-types")
    assert verdict.status == "pass"
    assert verdict.evidence == "Dockerfile declares CMD; Procfile declares worker"


def test_nothing_declared_names_every_descriptor(make_repo, run_static):
    verdict = run_static(make_repo({"lib.py": "x = 1\n"}), "concurrency.process-types")
    assert verdict.status == "fail"
    assert "Procfile, app.json, heroku.yml, render.yaml, .do/app.yaml, fly.toml, Dockerfile" in verdict.evidence


def test_a_broken_descriptor_that_mattered_warns(make_repo, run_static):
    root = make_repo({"render.yaml": "services: [\n", "Dockerfile": "FROM x\nCMD gunicorn app:app\n"})
    verdict = run_static(root, "concurrency.process-types")
    assert verdict.status == "warn" and "render.yaml ignored: not valid YAML" in verdict.evidence


def test_exec_form_does_not_expand_port(make_repo, run_static):
    literal = make_repo({"Dockerfile": 'FROM x\nCMD ["gunicorn", "--bind", "0.0.0.0:$PORT", "app:app"]\n'})
    verdict = run_static(literal, "port-binding.reads-port")
    assert verdict.status == "fail" and "literal text $PORT" in verdict.evidence
    assert "Dockerfile:2 `CMD (web): gunicorn --bind '0.0.0.0:$PORT' app:app`" in verdict.evidence
    shell = make_repo({"Dockerfile": 'FROM x\nCMD ["sh", "-c", "gunicorn --bind 0.0.0.0:$PORT app:app"]\n'})
    assert run_static(shell, "port-binding.reads-port").status == "pass"


def test_release_from_a_platform_pre_deploy_command(make_repo, run_static):
    files = {"render.yaml": RENDER_YAML, "migrations/versions/0001_init.py": "x = 1\n"}
    verdict = run_static(make_repo(files), "build-release-run.release-phase")
    assert verdict.status == "pass"
    assert verdict.evidence.startswith("render.yaml:7 `preDeployCommand (release): flask db upgrade`")


def test_app_json_postdeploy_migrates_once_only(make_repo, run_static):
    app_json = json.dumps({"scripts": {"postdeploy": "npm run migrate"}})
    files = {"app.json": app_json, "Procfile": "web: node server.js\n", "migrations/001_users.js": ""}
    verdict = run_static(make_repo(files), "build-release-run.release-phase")
    assert verdict.status == "warn" and "after the first deploy only" in verdict.evidence
    assert run_static(make_repo(files), "admin-processes.in-codebase").status == "pass"


def test_compose_processes_are_read_by_every_check(make_repo, run_static):
    daemon = COMPOSE.replace("command: celery -A shop worker", "command: celery multi start w1 -A shop")
    verdict = run_static(make_repo({"docker-compose.yml": daemon}), "concurrency.no-daemonizing")
    assert verdict.status == "fail" and "docker-compose.yml:19 worker: celery multi" in verdict.evidence
    logs = COMPOSE.replace('"--bind", "0.0.0.0:8000"', '"--access-logfile", "/var/log/access.log"')
    verdict = run_static(make_repo({"docker-compose.yml": logs}), "logs.no-log-files-in-code")
    assert verdict.status == "fail" and "docker-compose.yml:15 web" in verdict.evidence


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"Dockerfile": 'FROM x\nCMD ["python", "manage.py", "runserver", "0.0.0.0:8000"]\n'}, "fail"),
        ({"fly.toml": '[processes]\napp = "uvicorn main:app --reload"\n'}, "fail"),
        ({"package.json": '{"scripts": {"start": "nodemon server.js"}}'}, "fail"),
        ({".do/app.yaml": "services:\n  - name: web\n    run_command: gunicorn app:app\n"}, "pass"),
    ],
)
def test_production_server_from_any_descriptor(make_repo, run_static, files, expected):
    assert run_static(make_repo(files), "dev-prod-parity.production-server").status == expected


def test_npm_start_script_is_checked_for_build_steps(make_repo, run_static):
    root = make_repo({"package.json": '{"scripts": {"start": "npm run build && node server.js"}}'})
    verdict = run_static(root, "build-release-run.no-build-in-run")
    assert verdict.status == "fail" and "npm run build" in verdict.evidence

"""Static checks on small repositories written by each test: one that passes, one that does not."""

import pytest

PROCFILE = "web: gunicorn --bind 0.0.0.0:$PORT app:app\nrelease: python manage.py migrate\n"


def status(run_static, root, check_id):
    return run_static(root, check_id).status


# I
def test_environment_copies(make_repo, run_static):
    bad = make_repo({"app/settings_dev.py": "A = 1\n", "app/settings_prod.py": "A = 2\n"})
    verdict = run_static(bad, "codebase.no-environment-copies")
    assert verdict.status == "fail"
    assert "settings_dev.py" in verdict.evidence
    good = make_repo({"app/settings.py": "A = 1\n", "requirements-dev.txt": "pytest\n"})
    assert status(run_static, good, "codebase.no-environment-copies") == "pass"


def test_settings_module_per_environment(make_repo, run_static):
    bad = make_repo(
        {"manage.py": 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "app.settings.production")\n'}
    )
    assert status(run_static, bad, "codebase.no-environment-copies") == "fail"


def test_code_outside_the_repository(make_repo, run_static):
    bad = make_repo({"requirements.txt": "-e ../shared-lib\n", "app.py": "import sys\nsys.path.insert(0, '../lib')\n"})
    verdict = run_static(bad, "codebase.self-contained")
    assert verdict.status == "fail"
    assert "requirements.txt:1" in verdict.evidence and "app.py:2" in verdict.evidence
    assert status(run_static, make_repo({"app.py": "x = 1\n"}), "codebase.self-contained") == "pass"


# II
def test_manifest_missing_with_third_party_import(make_repo, run_static):
    bad = make_repo({"app.py": "import flask\nimport os\n"})
    verdict = run_static(bad, "dependencies.manifest")
    assert verdict.status == "fail" and "app.py:1 imports flask" in verdict.evidence
    good = make_repo({"app.py": "import flask\n", "requirements.txt": "flask==3.1.3\n"})
    assert status(run_static, good, "dependencies.manifest") == "pass"


def test_unpinned_without_lock_warns(make_repo, run_static):
    loose = make_repo({"requirements.txt": "flask>=3\ngunicorn==27.0.1\n"})
    verdict = run_static(loose, "dependencies.pinned")
    assert verdict.status == "warn" and "requirements.txt:1 flask" in verdict.evidence
    locked = make_repo({"requirements.txt": "flask>=3\n", "requirements.lock": "flask==3.1.3\n"})
    assert status(run_static, locked, "dependencies.pinned") == "pass"
    pinned = make_repo({"requirements.txt": "flask==3.1.3  # web\n"})
    assert status(run_static, pinned, "dependencies.pinned") == "pass"


def test_node_manifest_and_lock(make_repo, run_static):
    no_lock = make_repo({"package.json": '{"dependencies": {"express": "^4"}}'})
    assert status(run_static, no_lock, "dependencies.manifest") == "pass"
    assert status(run_static, no_lock, "dependencies.pinned") == "warn"
    locked = make_repo({"package.json": '{"dependencies": {}}', "package-lock.json": "{}"})
    assert status(run_static, locked, "dependencies.pinned") == "pass"


# III
def test_committed_env_file_and_secret(make_repo, run_static):
    bad = make_repo({".env": "SECRET_KEY=abc\n", "app.py": 'AWS_KEY = "AKIAIOSFODNN7EXAMPLE"\n'})
    verdict = run_static(bad, "config.no-committed-secrets")
    assert verdict.status == "fail"
    assert ".env (committed .env with secrets: SECRET_KEY)" in verdict.evidence
    assert "AWS Access Key" in verdict.evidence
    assert verdict.evidence.startswith("detect-secrets ")
    good = make_repo(
        {".env.example": "SECRET_KEY=change-me\n", "app.py": "import os\nKEY = os.environ['SECRET_KEY']\n"}
    )
    assert status(run_static, good, "config.no-committed-secrets") == "pass"


def test_placeholder_urls_and_audited_baseline_are_ignored(make_repo, run_static):
    docs = make_repo({"README.md": "Set DATABASE_URL=postgres://user:password@host:5432/db\n"})
    assert status(run_static, docs, "config.no-committed-secrets") == "pass"


def test_a_local_development_database_default_is_not_a_committed_secret(make_repo, run_static):
    local = 'DATABASES = {"default": dj_database_url.config(default="postgresql://postgres:postgres@localhost/x")}\n'
    assert status(run_static, make_repo({"settings.py": local}), "config.no-committed-secrets") == "pass"
    remote = 'URL = "postgresql://app:s3cr3tpassw0rd@db.example.com/x"\n'  # pragma: allowlist secret
    verdict = run_static(make_repo({"settings.py": remote}), "config.no-committed-secrets")
    assert verdict.status == "fail" and "Basic Auth Credentials" in verdict.evidence


def test_fixture_passwords_in_test_code_are_not_committed_secrets_but_real_keys_are(make_repo, run_static):
    """miguelgrinberg/flasky failed the committed-secrets gate on `User(password='cat')` in its tests."""
    fixtures = {
        "tests/test_api.py": "u = User(password='cat')\ntoken = 'Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MA=='\n",
        "app/spec/user.spec.js": "const password = 'hunter2hunter2';\n",
        "app.py": "import os\nSECRET_KEY = os.environ['SECRET_KEY']\n",
    }
    verdict = run_static(make_repo(fixtures), "config.no-committed-secrets")
    assert verdict.status == "pass" and "ignored" in verdict.evidence
    leaked = {**fixtures, "tests/conftest.py": 'AWS_KEY = "AKIAIOSFODNN7EXAMPLE"\n'}  # pragma: allowlist secret
    verdict = run_static(make_repo(leaked), "config.no-committed-secrets")
    assert verdict.status == "fail" and "tests/conftest.py:1 (AWS Access Key)" in verdict.evidence
    outside = {**fixtures, "app/settings.py": "password = 'hunter2hunter2'\n"}  # pragma: allowlist secret
    assert run_static(make_repo(outside), "config.no-committed-secrets").status == "fail"


@pytest.mark.parametrize(
    "code",
    [
        'SECRET_KEY = "django-insecure-abcdef"\n',  # pragma: allowlist secret
        'app.config["SECRET_KEY"] = "hunter2hunter2"\n',  # pragma: allowlist secret
        'app.secret_key = "hunter2hunter2"\n',  # pragma: allowlist secret
        'import redis\nr = redis.Redis(password="hunter2hunter2")\n',  # pragma: allowlist secret
        'DB = "postgres://admin:hunter2@db.example.com/app"\n',  # pragma: allowlist secret
    ],
)
def test_hardcoded_credentials(make_repo, run_static, code):
    assert status(run_static, make_repo({"app.py": code}), "config.no-hardcoded-credentials") == "fail"


def test_a_literal_fallback_for_a_secret_is_a_hardcoded_credential(make_repo, run_static):
    code = 'import os\nSECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-default")\n'
    verdict = run_static(make_repo({"app.py": code}), "config.no-hardcoded-credentials")
    assert verdict.status == "fail" and "SECRET_KEY falls back to a literal" in verdict.evidence


def test_a_localhost_fallback_of_a_service_url_warns(make_repo, run_static):
    code = 'import os\nURL = os.environ.get("REDIS_URL", "redis://localhost:6379/0")\n'
    verdict = run_static(make_repo({"app.py": code}), "backing-services.no-hardcoded-urls")
    assert verdict.status == "warn" and "app.py:2 (redis://localhost)" in verdict.evidence


@pytest.mark.parametrize(
    "code",
    [
        'import os\nSECRET_KEY = os.environ["SECRET_KEY"]\n',  # pragma: allowlist secret
        'PASSWORD_HASHERS = ["x"]\nAUTH_USER_MODEL = "accounts.User"\n',
        'PASSWD = "root:x:0:0:root:/root:/bin/sh\\n"\n',  # pragma: allowlist secret
    ],
)
def test_not_hardcoded_credentials(make_repo, run_static, code):
    assert status(run_static, make_repo({"app.py": code}), "config.no-hardcoded-credentials") == "pass"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("app.use(session({ secret: 'keyboard cat', resave: false }));", "fail"),  # pragma: allowlist secret
        ("const sessionSecret = process.env.SESSION_SECRET || 'keyboard cat';", "fail"),  # pragma: allowlist secret
        ('const STRIPE_API_KEY = "sk_live_51Habc";', "fail"),  # pragma: allowlist secret
        ("app.use(session({ secret: process.env.SESSION_SECRET }));", "pass"),
        ("passport.use(new Strategy({ tokenUrl: '/oauth/token', passwordField: 'password' }));", "pass"),
        ("const password = req.body.password;", "pass"),
    ],
)
def test_node_credential_literals(make_repo, run_static, line, expected):
    root = make_repo({"package.json": "{}", "server.js": line + "\n"})
    verdict = run_static(root, "config.no-hardcoded-credentials")
    assert verdict.status == expected, verdict.evidence
    if expected == "pass":
        assert verdict.evidence == "no credential literals in 0 Python and 1 Node files"


def test_credentials_in_tests_are_not_app_code(make_repo, run_static):
    root = make_repo({"tests/test_app.py": 'SECRET_KEY = "test-only-key"\n'})
    assert status(run_static, root, "config.no-hardcoded-credentials") == "pass"


def test_environment_branching_warns(make_repo, run_static):
    bad = make_repo({"settings.py": 'import os\nif os.environ.get("APP_ENV") == "production":\n    X = 1\n'})
    verdict = run_static(bad, "config.no-environment-branching")
    assert verdict.status == "warn" and "settings.py:2" in verdict.evidence
    also_bad = make_repo(
        {
            "settings.py": 'ENVIRONMENT = "dev"\nDEBUG = ENVIRONMENT in ("dev", "local")\n'
            'X = 1 if ENVIRONMENT == "prod" else 2\n'
        }
    )
    assert status(run_static, also_bad, "config.no-environment-branching") == "warn"
    good = make_repo({"settings.py": 'import os\nDEBUG = os.environ.get("DEBUG") == "1"\n'})
    assert status(run_static, good, "config.no-environment-branching") == "pass"


# IV
@pytest.mark.parametrize(
    "code",
    [
        'from sqlalchemy import create_engine\nengine = create_engine("postgresql://db.internal/app")\n',
        'BROKER = "redis://cache.example.com:6379/0"\n',
        'import os\nURL = os.environ.get("REDIS_URL", "redis://prod-cache.example.com:6379")\n',
        'import redis\nr = redis.Redis(host="10.0.0.5")\n',
        'DB_HOST = "db.internal:5432"\n',
    ],
)
def test_hardcoded_service_locations(make_repo, run_static, code):
    assert status(run_static, make_repo({"app.py": code}), "backing-services.no-hardcoded-urls") == "fail"


@pytest.mark.parametrize(
    "code",
    [
        'import os\nURL = os.environ["DATABASE_URL"]\n',
        'import os\nassert os.environ["DATABASE_URL"].startswith("sqlite:///")\n',
        'import environ\nenv = environ.Env()\nDATABASES = {"default": env.db("DATABASE_URL", default="sqlite:///db.sqlite3")}\n',
    ],
)
def test_service_locations_from_config(make_repo, run_static, code):
    assert status(run_static, make_repo({"app.py": code}), "backing-services.no-hardcoded-urls") == "pass"


# V
def test_build_steps_in_web(make_repo, run_static):
    bad = make_repo({"Procfile": "web: python manage.py migrate && gunicorn app:app\n"})
    verdict = run_static(bad, "build-release-run.no-build-in-run")
    assert verdict.status == "fail" and "Procfile:1" in verdict.evidence
    assert status(run_static, make_repo({"Procfile": PROCFILE}), "build-release-run.no-build-in-run") == "pass"


def test_release_phase_when_migrations_exist(make_repo, run_static):
    files = {"app/migrations/__init__.py": "", "app/migrations/0001_initial.py": "x = 1\n"}
    bad = make_repo({**files, "Procfile": "web: gunicorn app:app\n"})
    assert status(run_static, bad, "build-release-run.release-phase") == "fail"
    good = make_repo({**files, "Procfile": PROCFILE})
    assert status(run_static, good, "build-release-run.release-phase") == "pass"
    none = make_repo({"Procfile": "web: gunicorn app:app\n"})
    assert status(run_static, none, "build-release-run.release-phase") == "skip"


# VI
def test_module_state_mutated_in_handler(make_repo, run_static):
    bad = make_repo(
        {
            "app.py": "from flask import Flask\napp = Flask(__name__)\nHITS = {}\n\n"
            "@app.post('/hit')\ndef hit():\n    HITS['n'] = HITS.get('n', 0) + 1\n    return ''\n"
        }
    )
    verdict = run_static(bad, "processes.no-in-memory-state")
    assert verdict.status == "fail" and "app.py:7" in verdict.evidence and "HITS" in verdict.evidence
    counter = make_repo({"views.py": "count = 0\n\ndef index(request):\n    global count\n    count += 1\n"})
    assert status(run_static, counter, "processes.no-in-memory-state") == "fail"
    good = make_repo({"app.py": "CACHE = {}\n\ndef helper():\n    CACHE['x'] = 1\n"})
    assert status(run_static, good, "processes.no-in-memory-state") == "pass"


def test_local_session_store(make_repo, run_static):
    bad = make_repo({"settings.py": 'SESSION_ENGINE = "django.contrib.sessions.backends.file"\n'})
    assert status(run_static, bad, "processes.no-local-session-store") == "fail"
    flask = make_repo({"app.py": 'app.config["SESSION_TYPE"] = "filesystem"\n'})
    assert status(run_static, flask, "processes.no-local-session-store") == "fail"
    express = make_repo({"server.js": "app.use(session({ secret: process.env.S }));\n"})
    assert status(run_static, express, "processes.no-local-session-store") == "fail"
    good = make_repo({"settings.py": 'SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"\n'})
    assert status(run_static, good, "processes.no-local-session-store") == "pass"


def test_uploads_to_local_disk(make_repo, run_static):
    bad = make_repo(
        {
            "app.py": "from flask import request\n\n@app.post('/upload')\ndef upload():\n"
            "    f = request.files['file']\n    f.save('uploads/' + f.filename)\n    return ''\n"
        }
    )
    verdict = run_static(bad, "processes.no-local-uploads")
    assert verdict.status == "fail" and "app.py:6" in verdict.evidence
    good = make_repo({"app.py": "def upload(request):\n    store(request.FILES['f'])\n"})
    assert status(run_static, good, "processes.no-local-uploads") == "pass"


# VII
@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"Procfile": "web: gunicorn -b 0.0.0.0:$PORT app:app\n"}, "pass"),
        ({"Procfile": "web: gunicorn app:app\n"}, "pass"),
        ({"Procfile": "web: gunicorn -b 0.0.0.0:8000 app:app\n"}, "fail"),
        ({"Procfile": "web: uvicorn app:app --port 8000\n"}, "fail"),
        ({"Procfile": "web: python app.py\n", "app.py": "import os\napp.run(port=int(os.environ['PORT']))\n"}, "pass"),
        ({"package.json": "{}", "server.js": "app.listen(process.env.PORT || 3000)\n"}, "pass"),
        ({"package.json": "{}", "server.js": "app.listen(3000)\n"}, "fail"),
    ],
)
def test_reads_port(make_repo, run_static, files, expected):
    assert status(run_static, make_repo(files), "port-binding.reads-port") == expected


# VIII
def test_process_types(make_repo, run_static):
    assert status(run_static, make_repo({"app.py": ""}), "concurrency.process-types") == "fail"
    assert (
        status(
            run_static,
            make_repo({"Procfile": PROCFILE + "worker: celery -A app worker\n"}),
            "concurrency.process-types",
        )
        == "pass"
    )
    assert status(run_static, make_repo({"Procfile": "worker: python w.py\n"}), "concurrency.process-types") == "warn"


@pytest.mark.parametrize(
    "files",
    [
        {"Procfile": "web: gunicorn --daemon app:app\n"},
        {"Procfile": "worker: nohup python worker.py &\n"},
        {"Procfile": "worker: celery multi start w1 -A app\n"},
        {"gunicorn.conf.py": "daemon = True\n"},
        {"w.py": "import os\nif os.fork():\n    raise SystemExit\nos.setsid()\n"},
    ],
)
def test_daemonizing(make_repo, run_static, files):
    assert status(run_static, make_repo(files), "concurrency.no-daemonizing") == "fail"


# IX
@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"Procfile": "web: gunicorn app:app\n"}, "pass"),
        ({"Procfile": "web: python manage.py runserver 0.0.0.0:$PORT\n"}, "fail"),
        ({"Procfile": "web: gunicorn --graceful-timeout 0 app:app\n"}, "fail"),
        (
            {"Procfile": "web: python serve.py\n", "serve.py": "import signal\nsignal.signal(signal.SIGTERM, stop)\n"},
            "pass",
        ),
        ({"package.json": "{}", "server.js": "process.on('SIGTERM', () => server.close())\n"}, "pass"),
        ({"package.json": "{}", "server.js": "app.listen(process.env.PORT)\n"}, "fail"),
    ],
)
def test_handles_sigterm(make_repo, run_static, files, expected):
    assert status(run_static, make_repo(files), "disposability.handles-sigterm") == expected


# X
def test_backing_service_mismatch_warns(make_repo, run_static):
    branch = make_repo(
        {"settings.py": 'DEBUG = True\nif DEBUG:\n    DB = "sqlite:///dev.db"\nelse:\n    DB = "postgresql+psycopg"\n'}
    )
    assert status(run_static, branch, "dev-prod-parity.same-backing-services") == "warn"
    default = make_repo(
        {
            "requirements.txt": "psycopg[binary]==3.3.9\n",
            "settings.py": 'import os\nDB = os.environ.get("DATABASE_URL", "sqlite:///dev.db")\n',
        }
    )
    verdict = run_static(default, "dev-prod-parity.same-backing-services")
    assert verdict.status == "warn" and "psycopg" in verdict.evidence
    good = make_repo({"settings.py": 'import os\nDB = os.environ["DATABASE_URL"]\n'})
    assert status(run_static, good, "dev-prod-parity.same-backing-services") == "pass"


@pytest.mark.parametrize(
    ("procfile", "expected"),
    [
        ("web: gunicorn app:app\n", "pass"),
        ("web: flask run --host 0.0.0.0\n", "fail"),
        ("web: flask --app hello.app run --host 0.0.0.0\n", "fail"),
        ("web: flask --debug run\n", "fail"),
        ("web: gunicorn hello.app:app\nrelease: flask --app hello.app init-db\n", "pass"),
        ("web: uvicorn app:app --reload\n", "fail"),
        ("web: python manage.py runserver\n", "fail"),
    ],
)
def test_production_server(make_repo, run_static, procfile, expected):
    assert status(run_static, make_repo({"Procfile": procfile}), "dev-prod-parity.production-server") == expected


def test_flask_app_run_is_a_development_server(make_repo, run_static):
    root = make_repo({"Procfile": "web: python app.py\n", "app.py": "app.run(host='0.0.0.0', debug=True)\n"})
    assert status(run_static, root, "dev-prod-parity.production-server") == "fail"


def test_debug_in_the_development_settings_module_is_not_a_default(make_repo, run_static):
    files = {
        "config/settings/base.py": "DEBUG = False\n",
        "config/settings/local.py": "from .base import *\nDEBUG = True\n",
        "config/settings/production.py": "from .base import *\n",
        "config/wsgi.py": 'import os\nos.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.production")\n',
    }
    assert status(run_static, make_repo(files), "dev-prod-parity.debug-off-by-default") == "pass"
    # Served by default, the development settings are the default.
    files["config/wsgi.py"] = files["config/wsgi.py"].replace("production", "local")
    verdict = run_static(make_repo(files), "dev-prod-parity.debug-off-by-default")
    assert verdict.status == "fail" and "config/settings/local.py:2 DEBUG = True" in verdict.evidence


def test_app_run_debug_true_is_the_default_when_it_is_how_the_app_starts(make_repo, run_static):
    app = "from flask import Flask\napp = Flask(__name__)\nif __name__ == '__main__':\n    app.run(debug=True)\n"
    started = run_static(make_repo({"app.py": app}), "dev-prod-parity.debug-off-by-default")
    assert started.status == "fail"
    assert "app.py:4 app.run(debug=True) is how `web: python app.py` (inferred, not declared" in started.evidence
    served = make_repo({"app.py": app, "requirements.txt": "flask\ngunicorn\n", "Procfile": "web: gunicorn app:app\n"})
    assert status(run_static, served, "dev-prod-parity.debug-off-by-default") == "pass"


# XI
@pytest.mark.parametrize(
    "files",
    [
        {"app.py": "import logging\nlogging.basicConfig(filename='app.log')\n"},
        {"app.py": "import logging\nh = logging.handlers.RotatingFileHandler('app.log')\n"},
        {"settings.py": "LOGGING = {'handlers': {'f': {'class': 'logging.FileHandler', 'filename': 'x.log'}}}\n"},
        {"Procfile": "web: gunicorn --access-logfile access.log app:app\n"},
        {"gunicorn.conf.py": "accesslog = '/var/log/app.log'\n"},
    ],
)
def test_log_files(make_repo, run_static, files):
    assert status(run_static, make_repo(files), "logs.no-log-files-in-code") == "fail"


def test_log_to_stdout(make_repo, run_static):
    good = make_repo(
        {
            "Procfile": "web: gunicorn --access-logfile - app:app\n",
            "app.py": "import logging, sys\nlogging.basicConfig(stream=sys.stdout)\n",
        }
    )
    assert status(run_static, good, "logs.no-log-files-in-code") == "pass"


# XII
def test_admin_commands(make_repo, run_static):
    assert status(run_static, make_repo({"manage.py": ""}), "admin-processes.in-codebase") == "pass"
    assert status(run_static, make_repo({"app.py": "x = 1\n"}), "admin-processes.in-codebase") == "warn"


def test_admin_tasks_in_handlers(make_repo, run_static):
    bad = make_repo({"app.py": "@app.get('/init')\ndef init():\n    db.create_all()\n    return 'ok'\n"})
    verdict = run_static(bad, "admin-processes.not-in-web-requests")
    assert verdict.status == "fail" and "app.py:3" in verdict.evidence
    good = make_repo({"app.py": "@app.cli.command()\ndef init():\n    db.create_all()\n"})
    assert status(run_static, good, "admin-processes.not-in-web-requests") == "pass"


@pytest.mark.parametrize(
    "line",
    [
        "-e .",
        "./wheels/mine-1.0-py3-none-any.whl",
        "mine @ file:///tmp/mine",
        "--find-links ./wheels",
        "--extra-index-url https://example.org/simple",
        "https://example.org/x.tar.gz",
    ],
)
def test_direct_references_cannot_be_installed_offline(make_repo, line):
    from labs.grading.manifest import python_manifest
    from labs.grading.repo import Repo

    manifest = python_manifest(Repo(make_repo({"requirements.txt": f"flask==3.1.3\n{line}\n"})))
    assert manifest.problem and "requirements.txt:2" in manifest.problem


def test_hashed_lock_is_installable(make_repo):
    from labs.grading.manifest import python_manifest
    from labs.grading.repo import Repo

    lock = "flask==3.1.3 \\\n    --hash=sha256:abc\n    # via -r requirements.txt\n"
    manifest = python_manifest(Repo(make_repo({"requirements.txt": "flask\n", "requirements.lock": lock})))
    assert manifest.problem is None
    assert manifest.install_from == "requirements.lock"


@pytest.mark.parametrize(
    ("web", "expected"),
    [
        ("python -m worker & gunicorn --bind 0.0.0.0:$PORT app:app", "fail"),
        ("gunicorn --bind 0.0.0.0:$PORT app:app &", "fail"),
        ("python migrate.py && gunicorn --bind 0.0.0.0:$PORT app:app 2>&1", "pass"),
    ],
    ids=["background-mid-command", "background-at-end", "and-and-and-redirect"],
)
def test_background_jobs_in_the_procfile_are_daemonizing(make_repo, run_static, web, expected):
    root = make_repo({"Procfile": f"web: {web}\n", "app.py": "x = 1\n"})

    assert status(run_static, root, "concurrency.no-daemonizing") == expected

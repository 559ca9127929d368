"""What real repositories trip on: each case is a small repository of the shape real projects have, with the verdict
an expert gives it (issue: grades a learner can trust)."""

import re

import pytest

SRI = (
    '<script src="https://cdn.jsdelivr.net/npm/bootstrap@5.3.0/dist/js/bootstrap.bundle.min.js" '
    'integrity="sha384-geWF76RCwLtnZ8qwWowPQNguL3RmwHVBC9FhGdlKrxdiJJigb/j/68SIy3Te4Bkz" crossorigin="anonymous">'
    "</script>\n"
)
ALEMBIC = (
    '"""add users\n\nRevision ID: ae1027a6acf4\nRevises: 1975ea83b712\n"""\n'  # pragma: allowlist secret
    'revision = "ae1027a6acf4"\ndown_revision = "1975ea83b712"\n'  # pragma: allowlist secret
)
HASHED_REQUIREMENTS = (
    "flask==3.1.3 \\\n    --hash=sha256:f4a3a1d5a3b6e8c9d0e1f2a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f\n"
)


@pytest.mark.parametrize(
    ("files", "check_id", "expected", "evidence"),
    [
        # III: a committed .env is a secret leak only when it holds secrets
        ({".env": "TIMES=2\nENVIRONMENT=dev\n"}, "config.no-committed-secrets", "warn", ".env (TIMES, ENVIRONMENT)"),
        ({".env": "SECRET_KEY=8f3kd93kd0s9dk3mf8s7dk2l\n"}, "config.no-committed-secrets", "fail", "SECRET_KEY"),
        ({".env": "DATABASE_URL=postgres://app:hunter22@db/app\n"},  # pragma: allowlist secret
         "config.no-committed-secrets", "fail", "DATABASE_URL"),
        ({"deploy/id_rsa": "-----BEGIN KEY-----\n"}, "config.no-committed-secrets", "fail", "deploy/id_rsa"),
        # III: published digests and ids are not secrets
        ({"templates/base.html": SRI}, "config.no-committed-secrets", "pass", "digest"),
        ({"migrations/versions/ae1027a6acf4_add_users.py": ALEMBIC}, "config.no-committed-secrets", "pass", ""),
        ({"requirements.txt": HASHED_REQUIREMENTS}, "config.no-committed-secrets", "pass", ""),
        # III: a README's example command and a development VM's well-known password are examples, not leaks...
        ({"README.rst": "Set it first::\n\n    export CONDUIT_SECRET='something-really-secret'\n"},
         "config.no-committed-secrets", "pass", "ignored"),
        ({"Vagrantfile": "  sudo -u postgres psql -c \"create role vagrant with login password 'vagrant';\"\n"},
         "config.no-committed-secrets", "pass", "ignored"),
        # ...but a key in a recognised format is a leak wherever it is.
        ({"docs/deploy.md": 'aws_access_key_id = "AKIAIOSFODNN7EXAMPLE"\n'},  # pragma: allowlist secret
         "config.no-committed-secrets", "fail", "docs/deploy.md:1 (AWS Access Key)"),
        # VI: an in-process cache is allowed (a brief cache); sessions kept in process memory or files are not
        ({"conduit/settings.py": "class Config:\n    CACHE_TYPE = 'simple'\n"},
         "processes.no-local-session-store", "pass", ""),
        ({"conduit/settings.py": "class Config:\n    SESSION_TYPE = 'filesystem'\n"},
         "processes.no-local-session-store", "fail", "conduit/settings.py:2 (SESSION_TYPE = 'filesystem')"),
        # XII: click commands registered on a Flask app's CLI are admin commands that ship with the code
        ({"conduit/app.py": "def register_commands(app):\n    app.cli.add_command(commands.test)\n"},
         "admin-processes.in-codebase", "pass", "conduit/app.py:2 flask command commands.test"),
        # VII: the app's own code is the evidence, not an end-to-end suite's setup that reads PORT to reach it
        ({"package.json": '{"dependencies": {"express": "^4"}}',
          "e2e/src/support/test-setup.ts": "const port = process.env.PORT ?? '3000';\n",
          "src/main.ts": "const app = express();\nconst PORT = process.env.PORT || 3000;\napp.listen(PORT);\n"},
         "port-binding.reads-port", "pass", "src/main.ts:2"),
        # III: insecure fallbacks of secrets
        ({"settings.py": "import os\nSECRET_KEY = os.environ.get('SECRET_KEY', 'django-insecure-abc123def456')\n"},
         "config.no-hardcoded-credentials", "fail", "settings.py:2 (SECRET_KEY falls back to a literal"),
        ({"app.py": "import os\nAPI_KEY = os.getenv('API_KEY', 'super-secret')\n"},
         "config.no-hardcoded-credentials", "fail", "API_KEY falls back"),
        ({"config.py": "import os\nclass Config:\n"
          "    SECRET_KEY = os.environ.get('SECRET_KEY') or 'you-will-never-guess'\n"},
         "config.no-hardcoded-credentials", "fail", "config.py:3 (SECRET_KEY falls back"),
        ({"settings.py": "import environ\nenv = environ.Env()\n"
          "SECRET_KEY = env('SECRET_KEY', default='change-me-now-1')\n"},
         "config.no-hardcoded-credentials", "fail", "SECRET_KEY falls back"),
        ({"settings.py": "import os\nSECRET_KEY = os.environ['SECRET_KEY']\n"
          "NAME = os.environ.get('APP_NAME', 'demo')\n"},
         "config.no-hardcoded-credentials", "pass", ""),
        ({"settings.py": "import os\nSECRET_KEY = os.environ.get('SECRET_KEY', '')\n"},
         "config.no-hardcoded-credentials", "pass", ""),
        # X: debug on by default
        ({"settings.py": "DEBUG = True\n"},
         "dev-prod-parity.debug-off-by-default", "fail", "settings.py:1 DEBUG = True"),
        ({"settings.py": "import os\nDEBUG = 'PRODUCTION' not in os.environ\n"},
         "dev-prod-parity.debug-off-by-default", "fail", "debug is on unless a variable is set"),
        ({"app.py": "import os\napp.config['DEBUG'] = os.environ.get('FLASK_DEBUG', '1')\n"},
         "dev-prod-parity.debug-off-by-default", "fail", "defaults to on"),
        ({"settings.py": "import environ\nenv = environ.Env()\nDEBUG = env.bool('DEBUG', default=False)\n"},
         "dev-prod-parity.debug-off-by-default", "pass", ""),
        # IV and VI: a database in a local file
        ({"app.py": "import sqlite3\ndb = sqlite3.connect('todo.db')\n"},
         "backing-services.no-hardcoded-urls", "fail", "app.py:2 sqlite3.connect()"),
        ({"app.py": "import sqlite3\ndb = sqlite3.connect('todo.db')\n"},
         "processes.no-local-database", "fail", "app.py:2 sqlite3.connect()"),
        ({"mysite/settings.py": "from pathlib import Path\nBASE_DIR = Path(__file__).resolve().parent.parent\n"
          "DATABASES = {'default': {'ENGINE': 'django.db.backends.sqlite3', 'NAME': BASE_DIR / 'db.sqlite3'}}\n"},
         "processes.no-local-database", "fail", "mysite/settings.py:3 DATABASES uses a SQLite file"),
        ({"app.py": "x = 1\n", "instance/data.sqlite": "SQLite format 3"},
         "processes.no-local-database", "fail", "instance/data.sqlite (committed)"),
        ({"app.py": "import os, sqlite3\ndb = sqlite3.connect(os.environ['DB_PATH'])\n"},
         "processes.no-local-database", "pass", ""),
        # IV: reading DATABASE_URL through the usual libraries, with a localhost fallback
        ({"settings.py": "import dj_database_url\nDATABASES = {'default': dj_database_url.config()}\n"},
         "backing-services.no-hardcoded-urls", "pass", ""),
        ({"settings.py": "import dj_database_url\n"
          "DATABASES = {'default': dj_database_url.config(default='postgres://app:app@localhost/app')}\n"},
         "backing-services.no-hardcoded-urls", "warn", "settings.py:2 (postgres://localhost)"),
        ({"settings.py": "import environ\nenv = environ.Env()\nDATABASES = {'default': env.db()}\n"},
         "processes.no-local-database", "pass", ""),
        ({"settings.py": "import environ\nenv = environ.Env()\nDATABASES = {'default': env.db()}\n"
          "DATABASES_LOCAL = {'ENGINE': 'django.db.backends.sqlite3', 'NAME': 'db.sqlite3'}\n"},
         "processes.no-local-database", "pass", ""),
        ({"settings.py": "import dj_database_url\n"
          "DATABASES = {'default': dj_database_url.config(default='postgres://app:app@localhost/app')}\n"},
         "config.no-hardcoded-credentials", "pass", ""),
    ],
)  # fmt: skip
def test_real_world_shapes(make_repo, run_static, files, check_id, expected, evidence):
    verdict = run_static(make_repo(files), check_id)
    assert verdict.status == expected, verdict.evidence
    assert evidence in verdict.evidence


def test_an_install_failure_is_told_by_the_installers_own_summary_not_the_compilers_last_lines():
    from labs.grading.observe.commands import install_failure

    output = (
        "Resolved 34 packages in 1.2s\n"
        "  × Failed to build `psycopg2==2.7.3.1`\n"
        "  ├─▶ The build backend returned an error\n"
        "  ╰─▶ Call to `setuptools.build_meta:__legacy__.build_wheel` failed (exit status: 1)\n"
        "      [stderr]\n"
        + "      error: command 'gcc -pthread -I/usr/include/python3.11 -c psycopg/psycopgmodule.c' failed\n"
        * 40
        + "      hint: This usually indicates a problem with the package or the build environment.\n"
        "  help: `psycopg2` (v2.7.3.1) was included because `-r requirements.txt` depends on `psycopg2==2.7.3.1`\n"
    ).encode()
    told = install_failure(output)
    assert told.startswith("× Failed to build `psycopg2==2.7.3.1`")
    assert "help: `psycopg2` (v2.7.3.1) was included because" in told and "gcc" not in told
    assert install_failure(b"line one\nsomething broke\n") == "line one | something broke"
    # uv without a terminal: the resolver's reason comes as "cause:".
    conflict = b"error: No solution found when resolving dependencies\n  cause: Because you require flask==2.0 and 3.0"
    assert install_failure(conflict).endswith("cause: Because you require flask==2.0 and 3.0")


@pytest.mark.sandbox
def test_a_service_on_a_fixed_port_is_told_where_it_listens_instead(tmp_path):
    """docker/awesome-compose's flask-redis serves on 8000 whatever PORT says: the learner should see that."""
    from labs.grading import grade

    app = tmp_path / "app"
    app.mkdir()
    (app / "Procfile").write_text("web: python3 app.py\n")
    (app / "app.py").write_text(
        "from http.server import BaseHTTPRequestHandler, HTTPServer\n\n\n"
        "class Hello(BaseHTTPRequestHandler):\n"
        "    def do_GET(self):\n"
        "        self.send_response(200)\n"
        "        self.end_headers()\n"
        "        self.wfile.write(b'hello')\n\n\n"
        # The grader starts two deploys in one box: the first to start takes 8000, the other 8001.
        "import os\n"
        "first = not os.path.exists('/tmp/first-took-8000')\n"
        "open('/tmp/first-took-8000', 'a').close()\n"
        "HTTPServer(('0.0.0.0', 8000 if first else 8001), Hello).serve_forever()\n"
    )
    card = grade(app, "audit")
    answers = next(c for c in card.checks if c.id == "port-binding.answers-http")
    assert answers.status == "fail"
    assert re.search(r"but it listens on 0\.0\.0\.0:800[01](, 0\.0\.0\.0:800[01])? instead", answers.evidence)


GUNICORN_BOOT_FAILURE = (
    "[2026-12-07 06:33:29 +0000] [216] [INFO] Booting worker with pid: 220\n"
    "[2026-12-07 06:33:29 +0000] [220] [ERROR] Exception in worker process\n"
    "Traceback (most recent call last):\n"
    '  File "/tmp/venv/lib/python3.11/site-packages/gunicorn/arbiter.py", line 608, in spawn_worker\n'
    "    worker.init_process()\n"
    '  File "/workspace/autoapp.py", line 5, in <module>\n'
    "    from conduit.app import create_app\n"
    '  File "/workspace/conduit/extensions.py", line 8, in <module>\n'
    "    from flask_caching import Cache\n"
    '  File "/tmp/venv/lib/python3.11/site-packages/flask_caching/__init__.py", line 20, in <module>\n'
    "    from collections import MutableMapping\n"
    "AttributeError: module 'collections' has no attribute 'MutableMapping'\n"
    "[2026-12-07 06:33:29 +0000] [220] [INFO] Worker exiting (pid: 220)\n"
    "[2026-12-07 06:33:29 +0000] [216] [ERROR] Shutting down: Master\n"
    "[2026-12-07 06:33:29 +0000] [216] [ERROR] Reason: Worker failed to boot.\n"
)


@pytest.mark.parametrize(
    ("output", "told"),
    [
        # The exception, and the repository's own frame it came through (not the library's, not the server's).
        (
            GUNICORN_BOOT_FAILURE,
            "AttributeError: module 'collections' has no attribute 'MutableMapping' "
            "(raised from conduit/extensions.py:8)",
        ),
        # gunicorn's master then halting with a traceback of its own: the worker's, through the app's code, says why.
        (
            GUNICORN_BOOT_FAILURE + "Traceback (most recent call last):\n"
            '  File "/tmp/venv/bin/gunicorn", line 10, in <module>\n'
            '  File "/tmp/venv/lib/python3.11/site-packages/gunicorn/arbiter.py", line 227, in run\n'
            "gunicorn.errors.HaltServer: <HaltServer 'Worker failed to boot.' 3>\n",
            "AttributeError: module 'collections' has no attribute 'MutableMapping' "
            "(raised from conduit/extensions.py:8)",
        ),
        # A worker that cannot even import the app (no frame of the repository's own): still its reason, not the halt.
        (
            "Traceback (most recent call last):\n"
            '  File "/tmp/venv/lib/python3.11/site-packages/gunicorn/util.py", line 370, in import_app\n'
            "ModuleNotFoundError: No module named 'wsgi'\n"
            "Traceback (most recent call last):\n"
            '  File "/tmp/venv/lib/python3.11/site-packages/gunicorn/arbiter.py", line 227, in run\n'
            "gunicorn.errors.HaltServer: <HaltServer 'Worker failed to boot.' 3>\n",
            "ModuleNotFoundError: No module named 'wsgi'",
        ),
        # A chained exception: the last traceback is the one that stopped the process.
        (
            'Traceback (most recent call last):\n  File "/workspace/app.py", line 3, in <module>\n'
            "KeyError: 'DATABASE_URL'\n\nDuring handling of the above exception, another exception occurred:\n\n"
            'Traceback (most recent call last):\n  File "/workspace/app.py", line 5, in <module>\n'
            "RuntimeError: set DATABASE_URL\n",
            "RuntimeError: set DATABASE_URL (raised from app.py:5)",
        ),
        # A syntax error's caret lines are indented: the message is the first line that is not.
        (
            'Traceback (most recent call last):\n  File "/workspace/app.py", line 2\n    def broken(:\n'
            "               ^\nSyntaxError: invalid syntax\n",
            "SyntaxError: invalid syntax (raised from app.py:2)",
        ),
        # Node: the uncaught error, not its stack.
        (
            "node:internal/modules/cjs/loader:1228\n  throw err;\n  ^\n\nError: Cannot find module 'express'\n"
            "Require stack:\n- /workspace/server.js\n"
            "    at Module._resolveFilename (node:internal/modules/cjs/loader:1225:15)\n",
            "Error: Cannot find module 'express'",
        ),
        # Nothing that reads as a crash: the last lines, as before.
        ("listening on 127.0.0.1:3000\nready\n", "listening on 127.0.0.1:3000 | ready"),
    ],
    ids=["gunicorn", "gunicorn-halted", "no-own-frame", "chained", "syntax", "node", "no-crash"],
)
def test_a_process_that_stopped_is_told_by_its_exception_not_the_servers_last_lines(output, told):
    from labs.grading.observe.commands import crash

    assert crash(output.encode()) == told

"""Process types from every common descriptor: each reader, the precedence between them, inference, the caps."""

import json

import pytest

from labs.grading.exceptions import SubmissionRefused
from labs.grading.process_types import read
from labs.grading.repo import Repo


def types_of(make_repo, files: dict[str, str]):
    return read(Repo(make_repo(files)))


def summary(types) -> dict[str, tuple[str, str, str]]:
    """name -> (role, command, file:line) of each process type kept."""
    return {t.name: (t.role, t.command, t.cite) for t in types}


def test_procfile(make_repo):
    procfile = "# processes\nweb: gunicorn app:app\nworker:   celery -A app worker  \nrelease: flask db upgrade\n"
    types = types_of(make_repo, {"Procfile": procfile})
    assert summary(types) == {
        "web": ("web", "gunicorn app:app", "Procfile:2"),
        "worker": ("worker", "celery -A app worker", "Procfile:3"),
        "release": ("release", "flask db upgrade", "Procfile:4"),
    }
    assert types.web.evidence == "Procfile:2 `web: gunicorn app:app`"
    assert types.problems == ()


def test_procfile_unreadable_lines_are_problems(make_repo):
    types = types_of(make_repo, {"Procfile": "web: gunicorn app:app\nthis is not a process type\n"})
    assert types.web.command == "gunicorn app:app"
    assert types.problems == ("unreadable lines at Procfile:2 (lines look like `web: command`)",)


APP_JSON = {
    "name": "hello-express",
    "scripts": {"postdeploy": "node scripts/seed.js"},
    "formation": {"web": {"quantity": 1, "size": "basic"}},
    "env": {"SESSION_SECRET": {"generator": "secret"}},
}


def test_app_json_formation_completes_the_buildpack_default(make_repo):
    files = {
        "app.json": json.dumps(APP_JSON, indent=2),
        "package.json": json.dumps({"name": "x", "scripts": {"start": "node server.js"}}, indent=2),
        "server.js": "",
    }
    types = types_of(make_repo, files)
    web = types.web
    assert (web.command, web.script, web.declared, web.cite) == ("npm start", "node server.js", True, "app.json:7")
    assert "formation" in web.evidence and "package.json:4 scripts.start" in web.evidence
    postdeploy = types.role("job")[0]
    assert (postdeploy.command, postdeploy.cite) == ("node scripts/seed.js", "app.json:4")


def test_app_json_scripts_beside_a_procfile(make_repo):
    types = types_of(make_repo, {"Procfile": "web: node server.js\n", "app.json": json.dumps(APP_JSON)})
    assert summary(types) == {
        "web": ("web", "node server.js", "Procfile:1"),
        "postdeploy": ("job", "node scripts/seed.js", "app.json:1"),
    }


HEROKU_YML = """\
build:
  docker:
    web: Dockerfile
    worker: worker/Dockerfile
release:
  image: web
  command:
    - python manage.py migrate --noinput
run:
  web: gunicorn config.wsgi --bind 0.0.0.0:$PORT
  worker:
    command:
      - celery -A config worker --loglevel INFO
    image: worker
"""


def test_heroku_yml(make_repo):
    types = types_of(make_repo, {"heroku.yml": HEROKU_YML})
    assert summary(types) == {
        "web": ("web", "gunicorn config.wsgi --bind 0.0.0.0:$PORT", "heroku.yml:10"),
        "worker": ("worker", "celery -A config worker --loglevel INFO", "heroku.yml:12"),
        "release": ("release", "python manage.py migrate --noinput", "heroku.yml:7"),
    }


def test_heroku_yml_runs_a_list_of_commands_in_order(make_repo):
    release = "release:\n  image: web\n  command:\n    - cd server\n    - alembic upgrade head\n"
    assert types_of(make_repo, {"heroku.yml": release}).release.command == "cd server && alembic upgrade head"


def test_heroku_yml_without_run_uses_the_dockerfile(make_repo):
    files = {
        "heroku.yml": "build:\n  docker:\n    web: Dockerfile\n",
        "Dockerfile": 'FROM python:3.11-slim\nCOPY . .\nCMD ["gunicorn", "app:app"]\n',
    }
    types = types_of(make_repo, files)
    assert (types.web.name, types.web.command, types.web.cite) == ("web", "gunicorn app:app", "Dockerfile:3")


RENDER_YAML = """\
services:
  - type: web
    name: flask-app
    runtime: python
    buildCommand: pip install -r requirements.txt
    startCommand: gunicorn app:app
    preDeployCommand: flask db upgrade
    envVars:
      - key: DATABASE_URL
        fromDatabase: {name: db, property: connectionString}
  - type: worker
    name: mailer
    runtime: python
    startCommand: python -m app.mailer
  - type: cron
    name: nightly
    schedule: "0 3 * * *"
    startCommand: python -m app.cleanup
  - type: keyvalue
    name: cache
databases:
  - name: db
"""


def test_render_yaml(make_repo):
    types = types_of(make_repo, {"render.yaml": RENDER_YAML})
    assert summary(types) == {
        "flask-app": ("web", "gunicorn app:app", "render.yaml:6"),
        "mailer": ("worker", "python -m app.mailer", "render.yaml:14"),
        "nightly": ("cron", "python -m app.cleanup", "render.yaml:18"),
        "preDeployCommand": ("release", "flask db upgrade", "render.yaml:7"),
    }
    assert types.web.evidence == "render.yaml:6 `flask-app (web): gunicorn app:app`"
    assert [t.name for t in types.long_running] == ["flask-app", "mailer"]


def test_render_docker_service_uses_the_dockerfile(make_repo):
    files = {
        "render.yaml": "services:\n  - type: web\n    name: api\n    runtime: docker\n"
        "    dockerfilePath: ./docker/Dockerfile\n",
        "docker/Dockerfile": "FROM golang:1.22\nCMD ./server\n",
    }
    assert summary(types_of(make_repo, files)) == {"api": ("web", "./server", "docker/Dockerfile:2")}


DO_APP = """\
name: sample-django
services:
  - name: web
    environment_slug: python
    run_command: gunicorn --worker-tmp-dir /dev/shm mysite.wsgi
    http_port: 8080
workers:
  - name: queue
    run_command: celery -A mysite worker
jobs:
  - name: migrate
    kind: PRE_DEPLOY
    run_command: python manage.py migrate
  - name: notify
    run_command: python manage.py notify_deploy
"""


def test_digitalocean_app_spec(make_repo):
    types = types_of(make_repo, {".do/app.yaml": DO_APP})
    assert summary(types) == {
        "web": ("web", "gunicorn --worker-tmp-dir /dev/shm mysite.wsgi", ".do/app.yaml:5"),
        "queue": ("worker", "celery -A mysite worker", ".do/app.yaml:9"),
        "migrate": ("release", "python manage.py migrate", ".do/app.yaml:13"),
        "notify": ("job", "python manage.py notify_deploy", ".do/app.yaml:15"),
    }


def test_digitalocean_deploy_template_wraps_the_spec(make_repo):
    template = "spec:\n  name: x\n  services:\n    - name: api\n      run_command: node server.js\n"
    types = types_of(make_repo, {".do/deploy.template.yaml": template})
    assert summary(types) == {"api": ("web", "node server.js", ".do/deploy.template.yaml:5")}


FLY_TOML = """\
app = "hello-go"
primary_region = "ams"

[deploy]
  release_command = "bin/migrate up"

[processes]
  app = "bin/hello"
  worker = "bin/hello -worker"

[http_service]
  internal_port = 8080
  processes = ["app"]
"""


def test_fly_toml(make_repo):
    types = types_of(make_repo, {"fly.toml": FLY_TOML})
    assert summary(types) == {
        "app": ("web", "bin/hello", "fly.toml:8"),
        "worker": ("worker", "bin/hello -worker", "fly.toml:9"),
        "release_command": ("release", "bin/migrate up", "fly.toml:5"),
    }


def test_fly_toml_without_processes_runs_the_dockerfile(make_repo):
    files = {
        "fly.toml": 'app = "x"\n[build]\n  dockerfile = "Dockerfile.fly"\n[http_service]\n  internal_port = 8080\n',
        "Dockerfile.fly": 'FROM scratch\nENTRYPOINT ["/server"]\n',
    }
    types = types_of(make_repo, files)
    assert (types.web.command, types.web.argv, types.web.cite) == ("/server", ("/server",), "Dockerfile.fly:2")
    assert types.web.evidence == "Dockerfile.fly:2 `app (web): /server` (run by fly.toml)"
    assert types.web.declared_in == "fly.toml"


@pytest.mark.parametrize(
    ("dockerfile", "command", "argv", "line"),
    [
        ('FROM python:3.11\nCMD ["gunicorn", "-b", "0.0.0.0:8000", "app:app"]\n', "gunicorn -b 0.0.0.0:8000 app:app",
         ("gunicorn", "-b", "0.0.0.0:8000", "app:app"), 2),
        ("FROM python:3.11\nCMD gunicorn -b 0.0.0.0:$PORT app:app\n", "gunicorn -b 0.0.0.0:$PORT app:app", None, 2),
        ('FROM python:3.11\nCMD ["sh", "-c", "exec gunicorn -b :$PORT app:app"]\n', "exec gunicorn -b :$PORT app:app",
         None, 2),
        ('FROM node:20\nENTRYPOINT ["node"]\nCMD ["server.js"]\n', "node server.js", ("node", "server.js"), 2),
        ('FROM ruby:3.3\nENTRYPOINT ["./bin/docker-entrypoint"]\nCMD ./bin/rails server\n',
         "./bin/docker-entrypoint /bin/sh -c './bin/rails server'",
         ("./bin/docker-entrypoint", "/bin/sh", "-c", "./bin/rails server"), 2),
        ('FROM x\nCMD ["ignored"]\nENTRYPOINT python -m app\n', "python -m app", None, 3),
        ("FROM python:3.11\nCMD gunicorn \\\n    --workers 2 \\\n    # a comment\n    app:app\n",
         "gunicorn --workers 2 app:app", None, 2),
        # Multi-stage: the final stage counts, and inherits from the stage it is built FROM.
        ('FROM golang:1.22 AS build\nRUN go build -o /server .\nCMD ["/server"]\nFROM build AS final\nUSER 1000\n',
         "/server", ("/server",), 3),
        ('FROM node:20 AS assets\nCMD ["npm", "run", "dev"]\nFROM python:3.11\nCMD ["python", "app.py"]\n',
         "python app.py", ("python", "app.py"), 4),
    ],
    ids=["exec", "shell", "sh-c", "entrypoint+cmd", "exec-entrypoint+shell-cmd", "shell-entrypoint-wins",
         "continuations", "inherited-stage", "last-stage"],
)  # fmt: skip
def test_dockerfile(make_repo, dockerfile, command, argv, line):
    web = types_of(make_repo, {"Dockerfile": dockerfile}).web
    assert (web.role, web.command, web.argv, web.line) == ("web", command, argv, line)


def test_dockerfile_without_a_command_declares_nothing(make_repo):
    assert not types_of(make_repo, {"Dockerfile": "FROM python:3.11\nCOPY . .\n"})


COMPOSE = """\
x-app: &app
  build: .
  environment:
    DATABASE_URL: postgres://db:5432/app
services:
  db:
    image: postgres:16
  cache:
    image: docker.io/library/redis:7-alpine
  migrate:
    <<: *app
    command: python manage.py migrate --noinput
  web:
    <<: *app
    command: ["gunicorn", "shop.wsgi", "--bind", "0.0.0.0:8000"]
    ports: ["8000:8000"]
  worker:
    <<: *app
    command: celery -A shop worker
  flower:
    image: mher/flower
"""


def test_compose_skips_infrastructure(make_repo):
    types = types_of(make_repo, {"docker-compose.yml": COMPOSE})
    assert summary(types) == {
        "web": ("web", "gunicorn shop.wsgi --bind 0.0.0.0:8000", "docker-compose.yml:15"),
        "worker": ("worker", "celery -A shop worker", "docker-compose.yml:19"),
        "migrate": ("release", "python manage.py migrate --noinput", "docker-compose.yml:12"),
    }


def test_compose_service_without_command_runs_its_image(make_repo):
    files = {
        "compose.yaml": "services:\n  api:\n    build: {context: ./api}\n    ports: ['3000:3000']\n",
        "api/Dockerfile": "FROM node:20\nCMD node index.js\n",
    }
    assert summary(types_of(make_repo, files)) == {"api": ("web", "node index.js", "api/Dockerfile:2")}


# -- precedence ------------------------------------------------------------------------------------


def test_procfile_takes_precedence_over_every_other_descriptor(make_repo):
    types = types_of(
        make_repo,
        {
            "Procfile": "web: gunicorn app:app\n",
            "render.yaml": RENDER_YAML,
            "fly.toml": FLY_TOML,
            "Dockerfile": "FROM python:3.11\nCMD python app.py\n",
            "docker-compose.yml": COMPOSE,
        },
    )
    assert types.web.cite == "Procfile:1"
    # A release the Procfile lacks comes from the next descriptor that has one; workers stay the Procfile's.
    assert types.release.cite == "render.yaml:7"
    assert types.role("worker") == [] and types.role("cron") == []
    assert types.sources == ("Procfile", "render.yaml")
    assert "Dockerfile also declares CMD (Procfile takes precedence)" in types.notes
    assert "docker-compose.yml also declares migrate, web, worker (Procfile takes precedence)" in types.notes


def test_containers_together_declare_the_stack(make_repo):
    files = {"Dockerfile": 'FROM python:3.11\nCMD ["gunicorn", "shop.wsgi"]\n', "docker-compose.yml": COMPOSE}
    types = types_of(make_repo, files)
    assert [(t.name, t.role, t.source) for t in types] == [
        ("CMD", "web", "Dockerfile"),
        ("worker", "worker", "docker-compose.yml"),
        ("migrate", "release", "docker-compose.yml"),
    ]


def test_platform_files_take_precedence_over_containers(make_repo):
    files = {
        "fly.toml": FLY_TOML,
        "Dockerfile": "FROM golang:1.22\nCMD ./dev-server\n",
        "docker-compose.yml": "services:\n  app:\n    build: .\n    command: go run .\n",
    }
    types = types_of(make_repo, files)
    assert types.web.cite == "fly.toml:8"
    assert types.sources == ("fly.toml",)


def test_dockerfile_takes_precedence_over_compose(make_repo):
    files = {
        "Dockerfile": 'FROM python:3.11\nCMD ["gunicorn", "app:app"]\n',
        "docker-compose.yml": "services:\n  web:\n    build: .\n    command: flask run --debug\n",
    }
    assert types_of(make_repo, files).web.cite == "Dockerfile:2"


def test_a_malformed_descriptor_is_ignored_with_a_note(make_repo):
    files = {
        "render.yaml": "services:\n  - type: web\n    startCommand: gunicorn app:app\n   bad: [\n",
        "Dockerfile": "FROM python:3.11\nCMD gunicorn app:app\n",
        "fly.toml": "app = \n",
    }
    types = types_of(make_repo, files)
    assert types.web.cite == "Dockerfile:2"
    assert any(p.startswith("render.yaml ignored: not valid YAML") for p in types.problems)
    assert any(p.startswith("fly.toml ignored: not valid TOML") for p in types.problems)


def test_a_malformed_descriptor_below_the_one_used_is_only_a_note(make_repo):
    types = types_of(make_repo, {"Procfile": "web: gunicorn app:app\n", "docker-compose.yml": "services: [\n"})
    assert types.problems == ()
    assert types.notes == ("docker-compose.yml ignored: not valid YAML (line 2)",)


@pytest.mark.parametrize(
    ("rel", "text"),
    [
        ("app.json", "[1, 2"),
        ("app.json", "[" * 100_000),
        ("render.yaml", "- " * 50_000),
        ("render.yaml", "a: &a [*a]\n"),
        (".do/app.yaml", "services: 3\nworkers: {a: 1}\njobs: [[1]]\n"),
        ("heroku.yml", "run: [web]\nrelease: {command: 12}\n"),
        ("fly.toml", "processes = 3\n[[services]]\nprocesses = 'x'\n"),
        ("docker-compose.yml", "services:\n  web: 3\n  ? [a, b]\n  : 1\n"),
        ("Dockerfile", "CMD [\nENTRYPOINT\n\\\n"),
        ("render.yaml", "x: 1\n" * 60_000),  # over the descriptor cap
    ],
)
def test_odd_descriptors_never_crash(make_repo, rel, text):
    types = types_of(make_repo, {rel: text})
    assert all(t.command for t in types)


# -- the caps --------------------------------------------------------------------------------------


def test_a_huge_procfile_line_is_refused(make_repo):
    root = make_repo({"Procfile": "web: gunicorn " + "x" * (2 * 1024 * 1024) + "\n"})
    with pytest.raises(SubmissionRefused, match=r"Procfile:1: the web command is \d+ bytes long"):
        read(Repo(root))


def test_thousands_of_process_types_are_refused(make_repo):
    root = make_repo({"Procfile": "".join(f"p{i}: sleep 1\n" for i in range(3000))})
    with pytest.raises(SubmissionRefused, match="Procfile declares 3000 process types"):
        read(Repo(root))


def test_a_huge_command_in_any_descriptor_is_refused(make_repo):
    root = make_repo({"fly.toml": f'[processes]\napp = "{"y" * 9000}"\n'})
    with pytest.raises(SubmissionRefused, match="fly.toml:2"):
        read(Repo(root))


def test_the_cli_exits_3_on_a_refused_procfile(make_repo):
    from tests.grading.test_grade_repo import grade_repo

    root = make_repo({"Procfile": "web: " + "z" * 20_000 + "\n", "app.py": "x = 1\n"})
    done = grade_repo(str(root), "--lab", "audit", "--json")
    assert done.returncode == 3, done.stderr[-2000:]
    assert "8 KiB is refused" in json.loads(done.stdout)["error"]


# -- inference -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "command", "basis"),
    [
        (
            {"manage.py": 'os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mysite.settings")\n',
             "mysite/settings.py": "", "mysite/wsgi.py": "", "other/wsgi.py": "",
             "requirements.txt": "Django==5.2\ngunicorn==23.0.0\n"},
            "gunicorn mysite.wsgi", "manage.py and mysite/wsgi.py, gunicorn declared",
        ),
        (
            {"manage.py": "", "mysite/wsgi.py": "", "requirements.txt": "Django==5.2\n"},
            "python manage.py runserver 0.0.0.0:$PORT", "manage.py and mysite/wsgi.py, no WSGI server declared",
        ),
        (
            {"app.py": "from flask import Flask\napp = Flask(__name__)\n", "requirements.txt": "flask\ngunicorn\n"},
            "gunicorn app:app", "app.py:2 app = Flask(…), gunicorn declared",
        ),
        (
            {"main.py": "import fastapi\n\napi = fastapi.FastAPI()\n",
             "requirements.txt": "fastapi\nuvicorn[standard]\n"},
            "uvicorn main:api --host 0.0.0.0 --port $PORT", "main.py:3 api = FastAPI(…), uvicorn declared",
        ),
        (
            {"app.py": "from flask import Flask\napp = Flask(__name__)\n", "requirements.txt": "flask\n"},
            "python app.py", "app.py:2 app = Flask(…), no server declared",
        ),
        (
            {"Gemfile": 'gem "rails"\n', "config/application.rb": "", "package.json": '{"scripts": {"start": "x"}}'},
            "bundle exec rails server -b 0.0.0.0 -p $PORT", "Gemfile and config/application.rb (Rails)",
        ),
        (
            {"Gemfile": 'gem "sinatra"\n', "config.ru": "run App\n"},
            "bundle exec rackup config.ru -o 0.0.0.0 -p $PORT", "Gemfile and config.ru (Rack)",
        ),
        (
            {"go.mod": "module github.com/acme/hello\n\ngo 1.22\n", "main.go": "package main\n"},
            "bin/hello", "go.mod and main.go: the binary `go build` makes",
        ),
        (
            {"go.mod": "module example.com/svc\n", "cmd/api/main.go": "package main\n", "internal/x.go": "package x\n"},
            "bin/api", "go.mod and cmd/api/main.go: the binary `go build` makes",
        ),
        (
            {"package.json": '{\n  "main": "lib/index.js"\n}', "lib/index.js": ""},
            "node lib/index.js", "package.json without a start script, lib/index.js",
        ),
    ],
    ids=["django", "django-no-gunicorn", "flask", "fastapi", "flask-no-server", "rails", "rack", "go", "go-cmd",
         "node-main"],
)  # fmt: skip
def test_inferred_web(make_repo, files, command, basis):
    types = types_of(make_repo, files)
    web = types.web
    assert (web.command, web.declared, web.basis) == (command, False, basis)
    assert web.evidence == f"`web: {command}` (inferred, not declared: {basis})"


def test_node_start_script_is_what_runs(make_repo):
    types = types_of(make_repo, {"package.json": '{\n  "scripts": {\n    "start": "nodemon server.js"\n  }\n}'})
    assert (types.web.command, types.web.script) == ("npm start", "nodemon server.js")
    assert "nodemon" in types.web.runs


def test_a_declared_worker_does_not_hide_the_inferred_web(make_repo):
    files = {"Procfile": "worker: celery -A app worker\n", "app.py": "from flask import Flask\napp = Flask('x')\n"}
    types = types_of(make_repo, files)
    assert [(t.name, t.declared) for t in types] == [("web", False), ("worker", True)]


def test_nothing_to_run(make_repo):
    types = types_of(make_repo, {"README.md": "hello\n", "lib.py": "def f():\n    pass\n"})
    assert not types and types.web is None


def test_a_descriptor_over_the_cap_is_ignored_and_says_why(make_repo):
    big = json.dumps({"name": "x", "env": {f"K{i}": {"value": "v" * 100} for i in range(3000)}})
    types = types_of(make_repo, {"app.json": big, "Procfile": "web: node server.js\n"})
    assert types.web.cite == "Procfile:1"
    assert "app.json ignored: over 256 KiB, too big to be a descriptor" in types.problems + types.notes

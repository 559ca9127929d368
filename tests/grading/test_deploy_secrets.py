"""The signing keys a deploy would generate: the grader makes them up for the run, under the app's own names."""

import json

from labs.grading.deploy_secrets import generated
from labs.grading.repo import Repo


def names(make_repo, files: dict[str, str], already=frozenset({"SECRET_KEY"})) -> list[str]:
    return sorted(generated(Repo(make_repo(files)), already=set(already)))


def test_signing_keys_the_code_reads_get_a_value(make_repo):
    files = {
        "settings.py": 'import os\nimport environ\nenv = environ.Env()\nSECRET_KEY = env("DJANGO_SECRET_KEY")\n'
        'JWT = os.environ["JWT_SECRET"]\nKEY = os.environ.get("SECRET_KEY")\n',
        "server.js": "const s = process.env.SESSION_SECRET;\nconst b = process.env['SECRET_KEY_BASE'];\n",
    }
    assert names(make_repo, files) == ["DJANGO_SECRET_KEY", "JWT_SECRET", "SECRET_KEY_BASE", "SESSION_SECRET"]


def test_credentials_for_other_services_are_not_made_up(make_repo):
    files = {"app.py": 'import os\nKEY = os.environ["STRIPE_API_KEY"]\nPW = os.getenv("SMTP_PASSWORD")\n'}
    assert names(make_repo, files) == []


def test_what_the_platform_generates_gets_a_value(make_repo):
    app_json = {"env": {"COOKIE_KEY": {"generator": "secret"}, "HOST": {"value": "example.com"}}}
    render = "services:\n  - type: web\n    envVars:\n      - key: SIGNING_SALT\n        generateValue: true\n"
    files = {"app.json": json.dumps(app_json), "render.yaml": render}
    assert names(make_repo, files) == ["COOKIE_KEY", "SIGNING_SALT"]


def test_values_are_fresh_and_random(make_repo):
    repo = Repo(make_repo({"app.py": 'import os\nos.environ["SESSION_SECRET"]\n'}))
    first, second = generated(repo, already=set()), generated(repo, already=set())
    assert len(first["SESSION_SECRET"]) >= 40
    assert first["SESSION_SECRET"] != second["SESSION_SECRET"]


def test_unreadable_descriptors_are_ignored(make_repo):
    assert names(make_repo, {"app.json": "{not json", "render.yaml": ": : :"}) == []

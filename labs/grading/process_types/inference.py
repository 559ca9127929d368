"""The web command a platform would run when the repository declares none.

Each inferrer follows what Heroku's buildpacks and Railpack/Nixpacks do for one kind of app, and says what its
guess rests on. They are tried in order; the first that recognises the app wins (a Rails app with a package.json
for its assets is a Rails app).
- Django: manage.py and a <project>/wsgi.py → `gunicorn <project>.wsgi` when gunicorn is declared
  (https://railpack.com/languages/python), else `manage.py runserver`, which is what such a repo really offers.
- Flask/FastAPI: an app object in main.py/app.py… → gunicorn or uvicorn when declared, else `python <file>`.
- Rails → `bundle exec rails server`; a Rack app → `bundle exec rackup` (https://devcenter.heroku.com/articles/ruby-support).
- Go → the binary `go build` makes of the main package (https://devcenter.heroku.com/articles/go-support).
- Node → `npm start` with a start script, else `node server.js` or `node <main>`
  (https://devcenter.heroku.com/articles/nodejs-support#default-web-process-type).
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from labs.grading import pysource
from labs.grading.manifest import table
from labs.grading.process_types import ProcessType

if TYPE_CHECKING:
    from labs.grading.repo import Repo

PYTHON_APP_FILES = ("main.py", "app.py", "wsgi.py", "asgi.py", "server.py", "application.py", "app/main.py")
ASGI_FRAMEWORKS = frozenset({"FastAPI", "Starlette", "Quart", "Litestar"})
WSGI_FRAMEWORKS = frozenset({"Flask", "Bottle", "Falcon"})


def _declared(repo: Repo) -> set[str]:
    from labs.grading.manifest import python_manifest

    return {r.name.lower().replace("_", "-") for r in python_manifest(repo).requirements}


def _web(command: str, source: str, line: int, basis: str, *, script: str = "") -> ProcessType:
    return ProcessType("web", command, source, line, "web", declared=False, basis=basis, script=script)


def django(repo: Repo) -> ProcessType | None:
    if not repo.exists("manage.py"):
        return None
    wsgi = sorted(
        (f for f in repo.files if f.endswith("/wsgi.py") and f.count("/") <= 2 and not repo.is_test(f)),
        key=lambda f: (f.count("/"), f),
    )
    settings = re.search(r"DJANGO_SETTINGS_MODULE['\"]\s*,\s*['\"]([\w.]+)['\"]", repo.text("manage.py") or "")
    if settings:
        named = f"{settings.group(1).split('.')[0]}/wsgi.py"
        wsgi.sort(key=lambda f: f != named)
    if not wsgi:
        return None
    module = wsgi[0].removesuffix(".py").replace("/", ".")
    if "gunicorn" in _declared(repo):
        return _web(f"gunicorn {module}", "manage.py", 0, f"manage.py and {wsgi[0]}, gunicorn declared")
    return _web(
        "python manage.py runserver 0.0.0.0:$PORT", "manage.py", 0, f"manage.py and {wsgi[0]}, no WSGI server declared"
    )


def _app_object(tree: ast.Module) -> tuple[str, str, int] | None:
    """(framework, variable, line) of a module-level `app = Flask(__name__)`-style assignment."""
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            framework = pysource.dotted(node.value.func).rsplit(".", 1)[-1]
            target = node.targets[0]
            if framework in ASGI_FRAMEWORKS | WSGI_FRAMEWORKS and isinstance(target, ast.Name):
                return framework, target.id, node.lineno
    return None


def python_app(repo: Repo) -> ProcessType | None:
    for rel in PYTHON_APP_FILES:
        tree = repo.ast(rel)
        found = _app_object(tree) if tree is not None else None
        if found is None:
            continue
        framework, variable, line = found
        module = rel.removesuffix(".py").replace("/", ".")
        declared = _declared(repo)
        basis = f"{rel}:{line} {variable} = {framework}(…)"
        if framework in ASGI_FRAMEWORKS and "uvicorn" in declared:
            command = f"uvicorn {module}:{variable} --host 0.0.0.0 --port $PORT"
            return _web(command, rel, line, f"{basis}, uvicorn declared")
        if framework in WSGI_FRAMEWORKS and "gunicorn" in declared:
            return _web(f"gunicorn {module}:{variable}", rel, line, f"{basis}, gunicorn declared")
        return _web(f"python {rel}", rel, line, f"{basis}, no server declared")
    return None


def rails(repo: Repo) -> ProcessType | None:
    if not (repo.exists("Gemfile") and repo.exists("config/application.rb")):
        return None
    return _web(
        "bundle exec rails server -b 0.0.0.0 -p $PORT",
        "config/application.rb",
        0,
        "Gemfile and config/application.rb (Rails)",
    )


def rack(repo: Repo) -> ProcessType | None:
    if not (repo.exists("Gemfile") and repo.exists("config.ru")):
        return None
    return _web("bundle exec rackup config.ru -o 0.0.0.0 -p $PORT", "config.ru", 0, "Gemfile and config.ru (Rack)")


def go(repo: Repo) -> ProcessType | None:
    module = re.search(r"^module\s+(\S+)", repo.text("go.mod") or "", re.M)
    if module is None:
        return None
    mains = [
        f
        for f in repo.files
        if f.endswith(".go")
        and not f.endswith("_test.go")
        and (f.count("/") == 0 or re.match(r"^cmd/[^/]+/[^/]+\.go$", f))
        and re.search(r"^package\s+main\b", repo.text(f) or "", re.M)
    ]
    if not mains:
        return None
    main = min(mains, key=lambda f: (f.count("/"), f))
    name = module.group(1).rstrip("/").rsplit("/", 1)[-1] if "/" not in main else main.split("/")[1]
    return _web(f"bin/{name}", main, 0, f"go.mod and {main}: the binary `go build` makes")


def node(repo: Repo) -> ProcessType | None:
    text = repo.text("package.json")
    if text is None:
        return None
    try:
        package = json.loads(text)
    except (ValueError, RecursionError):
        return None
    package = package if isinstance(package, dict) else {}
    scripts = table(package, "scripts")
    start = scripts.get("start")
    if isinstance(start, str) and start.strip():
        line = next((n for n, raw in enumerate(text.splitlines(), 1) if re.search(r'"start"\s*:', raw)), 0)
        return _web("npm start", "package.json", line, f"package.json:{line} scripts.start", script=start.strip())
    main = package.get("main")
    for candidate in ("server.js", main if isinstance(main, str) else None, "index.js"):
        if candidate and repo.exists(candidate.removeprefix("./")):
            return _web(f"node {candidate}", "package.json", 0, f"package.json without a start script, {candidate}")
    return None


INFERRERS: tuple[Callable[[Repo], ProcessType | None], ...] = (django, python_app, rails, rack, go, node)


def infer_web(repo: Repo) -> ProcessType | None:
    for inferrer in INFERRERS:
        guess = inferrer(repo)
        if guess is not None:
            return guess
    return None

"""Secrets every deploy sets that the grader can make up: a random value for each one the repository requires.

A real deploy gives the app its signing keys (Heroku's app.json `generator: secret`, Render's `generateValue: true`,
or the operator's `heroku config:set`). The grader gives SECRET_KEY; an app that reads its key under another name
(DJANGO_SECRET_KEY, SESSION_SECRET, JWT_SECRET) would otherwise refuse to start for want of a value no deploy lacks,
and every dynamic check would fail for it. So the run also sets, to a fresh random value each:
- the variables app.json and render.yaml say the platform generates;
- the signing keys (GENERATED_NAME_RE) that the Python or Node code reads from the environment.
Only secrets are made up: a missing DATABASE_URL or API endpoint is config the grader cannot invent.
"""

from __future__ import annotations

import ast
import json
import re
import secrets
from typing import TYPE_CHECKING

import yaml

from labs.grading import pysource

if TYPE_CHECKING:
    from labs.grading.repo import Repo

# Signing keys a deploy generates for the app itself; a PASSWORD or API_KEY names someone else's service, whose
# real value the grader cannot have (a made-up one only fails later, at the first call).
GENERATED_NAME_RE = re.compile(r"(^|_)(SECRET(_KEY)?|SIGNING_KEY|SESSION_KEY|KEY_BASE)$")
NODE_ENV_READ_RE = re.compile(
    r"process\.env(?:\.([A-Za-z_][A-Za-z0-9_]*)|\[\s*['\"]([A-Za-z_][A-Za-z0-9_]*)['\"]\s*\])"
)
NODE_SUFFIXES = (".js", ".mjs", ".cjs", ".ts")
MAX_GENERATED = 20


def _declared_generated(repo: Repo) -> set[str]:
    """Names app.json (`generator: secret`) and render.yaml (`generateValue: true`) have the platform generate."""
    names: set[str] = set()
    try:
        app = json.loads(repo.text("app.json") or "{}")
    except (ValueError, RecursionError):
        app = {}
    env = app.get("env") if isinstance(app, dict) else None
    for name, spec in (env or {}).items() if isinstance(env, dict) else []:
        if isinstance(spec, dict) and spec.get("generator") == "secret":
            names.add(str(name))
    for rel in ("render.yaml", "render.yml"):
        try:
            blueprint = yaml.safe_load(repo.text(rel) or "") or {}
        except yaml.YAMLError:
            continue
        services = blueprint.get("services") if isinstance(blueprint, dict) else None
        for service in services if isinstance(services, list) else []:
            env_vars = service.get("envVars") if isinstance(service, dict) else None
            for var in env_vars if isinstance(env_vars, list) else []:
                if isinstance(var, dict) and var.get("generateValue") is True and isinstance(var.get("key"), str):
                    names.add(var["key"])
    return names


def _read_by_code(repo: Repo) -> set[str]:
    names: set[str] = set()
    for _, tree in repo.python_trees():
        for node in ast.walk(tree):
            name = pysource.env_read_name(node)
            if name:
                names.add(name)
    node_files = [f for f in repo.files if f.endswith(NODE_SUFFIXES) and not repo.is_test(f)]
    for _, _, line in repo.grep(NODE_ENV_READ_RE.pattern, node_files[:2000]):
        for match in NODE_ENV_READ_RE.finditer(line):
            names.add(match.group(1) or match.group(2))
    return {n for n in names if GENERATED_NAME_RE.search(n.upper())}


def generated(repo: Repo, *, already: set[str]) -> dict[str, str]:
    """A fresh random value for each secret the repository needs a deploy to set, but for those in `already`."""
    names = sorted((_declared_generated(repo) | _read_by_code(repo)) - already)
    return {name: secrets.token_urlsafe(40) for name in names[:MAX_GENERATED] if re.fullmatch(r"[A-Za-z_]\w*", name)}

"""Factor IV, Backing services: attached resources, located by URLs in the config."""

from __future__ import annotations

import ast
import re
from urllib.parse import urlsplit

from labs.grading import pysource
from labs.grading.checks import DynamicContext, StaticContext, check
from labs.grading.manifest import node_declared, node_manifest, python_manifest
from labs.grading.repo import Repo, where
from labs.grading.report import GRADER_DIR
from labs.grading.verdict import Verdict, failed, passed, skipped, warned

SERVICE_SCHEMES = (
    "postgres",
    "postgresql",
    "postgresql+psycopg",
    "postgresql+psycopg2",
    "mysql",
    "mysql+pymysql",
    "mariadb",
    "redis",
    "rediss",
    "amqp",
    "amqps",
    "mongodb",
    "mongodb+srv",
    "memcache",
    "memcached",
    "smtp",
    "smtps",
    "sqs",
    "kafka",
    "nats",
    "sqlite",
    "sqla+sqlite",
    "sqla+postgresql",
)
URL_RE = re.compile(r"^(" + "|".join(re.escape(s) for s in SERVICE_SCHEMES) + r")://", re.I)
SERVICE_PORT_RE = re.compile(r"^[\w.-]+:(5432|3306|6379|5672|27017|11211|9092|4222)$")
LOCAL_HOSTS = frozenset({"", "localhost", "127.0.0.1", "::1", "0.0.0.0"})
CLIENTS = frozenset({"Redis", "StrictRedis", "connect", "create_engine", "MongoClient", "Connection", "SMTP"})
DATABASE_HINTS = (
    "django",
    "sqlalchemy",
    "flask-sqlalchemy",
    "psycopg",
    "psycopg2",
    "psycopg2-binary",
    "dj-database-url",
    "django-environ",
    "asyncpg",
    "pymysql",
    "mysqlclient",
    "peewee",
)


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return "?"


def hardcoded_services(rel: str, tree: ast.Module, local_defaults: list[str] | None = None) -> list[str]:
    """Service locations written in the code. A localhost URL that is only the fallback of an environment read is
    not one: it goes to `local_defaults` (a development convenience that a deploy overrides), unless it is a
    network service a forgotten variable would silently reach, which the caller warns about."""
    hits = []
    spans = pysource.env_read_spans(tree)
    for node, text in pysource.string_literals(tree):
        value = text.strip()
        if URL_RE.match(value) and value.split("://", 1)[1].strip("/"):
            if pysource.inside(node, spans) and _host(value) in LOCAL_HOSTS:
                if local_defaults is not None and not value.lower().startswith(("sqlite", "sqla+sqlite")):
                    local_defaults.append(f"{where(rel, node.lineno)} ({value.split('://', 1)[0]}://{_host(value)})")
                continue
            hits.append(f"{where(rel, node.lineno)} ({value.split('://', 1)[0]}:// URL)")
        elif SERVICE_PORT_RE.match(value) and not pysource.inside(node, spans):
            hits.append(f"{where(rel, node.lineno)} ({value})")
    for call in ast.walk(tree):
        if isinstance(call, ast.Call) and pysource.dotted(call.func).rsplit(".", 1)[-1] in CLIENTS:
            for kw in call.keywords:
                if (
                    kw.arg == "host"
                    and isinstance(kw.value, ast.Constant)
                    and isinstance(kw.value.value, str)
                    and kw.value.value.lower() not in LOCAL_HOSTS
                ):
                    hits.append(f"{where(rel, call.lineno)} (host={kw.value.value!r})")
    return hits


@check(
    "backing-services.no-hardcoded-urls",
    factor=4,
    kind="static",
    title="Backing services are located by config, not code",
    advice="Read each service's URL from the environment (DATABASE_URL, REDIS_URL...), so a deploy can "
    "swap a local database for a managed one without a code change.",
    anchor="resource-handles",
)
def no_hardcoded_urls(ctx: StaticContext) -> Verdict:
    hits: list[str] = []
    local_defaults: list[str] = []
    trees = ctx.repo.python_trees()
    for rel, tree in trees:
        hits.extend(hardcoded_services(rel, tree, local_defaults))
    js = [f for f in ctx.repo.files if f.endswith((".js", ".mjs", ".cjs", ".ts")) and not ctx.repo.is_test(f)]
    for rel, number, line in ctx.repo.grep(r"['\"`](postgres|postgresql|mysql|redis|amqp|mongodb)://", js):
        if "process.env" not in line:
            hits.append(f"{where(rel, number)} (service URL)")
    local_files = local_file_databases(ctx.repo)
    if hits or local_files:
        found = [f"{place} (database in a local file)" for place in local_files] + hits
        return failed("service locations in code: " + "; ".join(found[:6]))
    if local_defaults:
        return warned(
            "read from the environment, but falling back to a service on this machine when the variable is unset: "
            + "; ".join(local_defaults[:4])
            + " (a deploy that forgets the variable would quietly look for it on localhost)"
        )
    return passed(f"no service URLs or hosts in {len(trees) + len(js)} code files")


DATABASE_FILE_RE = re.compile(r"\.(db|sqlite3?)$", re.I)


def local_file_databases(repo: Repo) -> list[str]:
    """Where the app keeps its data in a file beside the code instead of a backing service: sqlite3.connect() on a
    literal path, Django's DATABASES naming a SQLite file with no DATABASE_URL read anywhere, a committed database."""
    found = [f"{rel} (committed)" for rel in repo.files if DATABASE_FILE_RE.search(rel) and not repo.is_test(rel)]
    reads_database_url = False
    literal_files: list[str] = []
    for rel, tree in repo.python_trees():
        for node in ast.walk(tree):
            if pysource.env_read_name(node) == "DATABASE_URL":
                reads_database_url = True
            if (
                isinstance(node, ast.Call)
                and pysource.dotted(node.func) in ("sqlite3.connect", "connect")
                and node.args
                and _file_path_literal(node.args[0])
            ):
                found.append(where(rel, node.lineno) + " sqlite3.connect()")
            elif isinstance(node, ast.Dict) and _django_sqlite(node):
                literal_files.append(where(rel, node.lineno) + " DATABASES uses a SQLite file")
    return found + ([] if reads_database_url else literal_files)


def _file_path_literal(node: ast.AST) -> bool:
    """A path written in the code: "todo.db", BASE_DIR / "db.sqlite3", os.path.join(BASE_DIR, "app.db")."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value not in (":memory:", "") and not node.value.startswith("file::memory:")
    if isinstance(node, ast.BinOp):
        return _file_path_literal(node.right)
    if isinstance(node, ast.Call) and pysource.dotted(node.func).endswith("path.join") and node.args:
        return _file_path_literal(node.args[-1])
    if isinstance(node, ast.JoinedStr):
        return any(isinstance(v, ast.Constant) and DATABASE_FILE_RE.search(str(v.value)) for v in node.values)
    return False


def _django_sqlite(node: ast.Dict) -> bool:
    entries = {k.value: v for k, v in zip(node.keys, node.values, strict=False) if isinstance(k, ast.Constant)}
    engine = entries.get("ENGINE")
    return (
        isinstance(engine, ast.Constant)
        and "sqlite3" in str(engine.value)
        and "NAME" in entries
        and _file_path_literal(entries["NAME"])
    )


def uses_database(ctx: StaticContext) -> bool:
    repo = ctx.repo
    names = {r.name.lower() for r in python_manifest(repo).requirements}
    if names & set(DATABASE_HINTS):
        return True
    code = repo.python_files + (["Procfile"] if repo.exists("Procfile") else [])
    return bool(repo.grep(r"DATABASE_URL", code[:500]))


# Node packages that talk to a database (Prisma's client reads the URL its schema names, DATABASE_URL by default).
NODE_DATABASE_PACKAGES = frozenset(
    {
        "pg",
        "postgres",
        "mysql",
        "mysql2",
        "mongodb",
        "mongoose",
        "sequelize",
        "knex",
        "typeorm",
        "@prisma/client",
        "prisma",
        "drizzle-orm",
        "@mikro-orm/core",
        "better-sqlite3",
        "sqlite3",
    }
)


def node_database_packages(repo: Repo) -> list[str]:
    package, _ = node_manifest(repo)
    return sorted(node_declared(package or {}) & NODE_DATABASE_PACKAGES) if repo.is_node else []


@check(
    "backing-services.attached-by-config",
    factor=4,
    kind="dynamic",
    title="The database given in DATABASE_URL is the one used",
    advice="Take the database from DATABASE_URL (dj-database-url, django-environ, SQLAlchemy's "
    "create_engine(os.environ['DATABASE_URL'])), never from a path or host in the code.",
    anchor="swapping-a-resource",
    gate=True,
)
def attached_by_config(ctx: DynamicContext) -> Verdict:
    if node_packages := node_database_packages(ctx.repo):
        # Attaching one means giving the app a database it can open, a SQLite file for Python's drivers: not yet
        # one for Node's. The grader's limit, so not a mark against the app.
        return skipped(
            f"the app uses a database ({', '.join(node_packages)}): the grader attaches one to Python apps only"
        )
    if not uses_database(ctx):
        return skipped("the app declares no database (no DATABASE_URL, no database package)")
    blocked = ctx.run.blocked("web")
    if blocked:
        return blocked
    after = ctx.run.files_after or {}
    db = f"{GRADER_DIR}/state.db"
    if after.get(db, 0) > 0:
        return passed(f"DATABASE_URL={ctx.run.database_url} → that file was created ({after[db]} bytes)")
    others = [p for p in ctx.run.new_files if re.search(r"\.(db|sqlite3?)$", p)]
    extra = f"; the app wrote {', '.join(others[:3])} instead" if others else ""
    return failed(f"DATABASE_URL={ctx.run.database_url} was given but never used{extra}")

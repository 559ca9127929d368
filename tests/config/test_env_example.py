"""Config truth: every environment variable the code reads is in `.env.example`, with its default."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("accounts", "config", "courses", "labs", "quizzes", "teams", "workshops")
EXAMPLE = ROOT / ".env.example"

# Read from os.environ, but not ours to configure: the system's own, or a WSGI environ's keys (and its HTTP_ headers).
NOT_CONFIG = {"PATH", "HOME", "PATH_INFO", "REQUEST_METHOD", "QUERY_STRING", "CONTENT_LENGTH", "CONTENT_TYPE"}
# env(...), env.str(...), os.environ.get(...), os.getenv(...), environ.get(...), _int(env, "NAME", ...)
READERS = {"env", "getenv", "get", "str", "int", "bool", "float", "list", "json", "url", "path", "db", "db_url"}
READERS |= {"cache_url", "email_url"}


def _reads(tree: ast.AST) -> set[str]:
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            on_env = isinstance(func, ast.Attribute) and "env" in ast.unparse(func.value).lower()
            if (called in READERS and (on_env or called in {"env", "getenv"})) or called.startswith("_int"):
                # The name is the first argument, or the second of a helper that takes the mapping first.
                named = node.args[1:2] if called.startswith("_int") else node.args[:1]
                names.update(arg.value for arg in named if isinstance(arg, ast.Constant) and isinstance(arg.value, str))
        elif isinstance(node, ast.Subscript) and "environ" in ast.unparse(node.value):
            key = node.slice
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                names.add(key.value)
    return {
        name for name in names if re.fullmatch(r"[A-Z][A-Z0-9_]+", name) and not name.startswith("HTTP_")
    } - NOT_CONFIG


def read_by_the_code() -> dict[str, str]:
    found: dict[str, str] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for name in _reads(ast.parse(path.read_text(), filename=str(path))):
                found.setdefault(name, str(path.relative_to(ROOT)))
    return found


def documented() -> set[str]:
    return set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", EXAMPLE.read_text(), flags=re.M))


def index_settings() -> set[str]:
    """The package index proxies' settings are named from their kind (GRADER_INDEX_*, GRADER_NPM_*)."""
    from labs.grading import index

    return {f"{kind.variable}_{part}" for kind in (index.PYPI, index.NPM) for part in ("URL", "SOCKET", "CACHE")}


def test_the_scan_finds_what_settings_and_the_sandbox_read():
    # If the scan stopped seeing reads, the test below would pass on nothing.
    read = read_by_the_code()
    expected = {"SECRET_KEY", "DATABASE_URL", "SANDBOX_SLOTS", "GRADER_WHEELHOUSE", "WEB_TIMEOUT", "MEDIA_ROOT"}
    assert expected <= read.keys()


def test_every_variable_the_code_reads_is_in_env_example():
    read = {**read_by_the_code(), **dict.fromkeys(index_settings(), "labs/grading/index.py")}
    missing = {name: where for name, where in read.items() if name not in documented()}
    assert not missing, f"add these to .env.example with their defaults: {missing}"

"""AST helpers shared by the static checks of Python code."""

from __future__ import annotations

import ast
from collections.abc import Iterator

ROUTE_DECORATORS = frozenset(
    {"route", "get", "post", "put", "patch", "delete", "api_route", "websocket", "api_view", "view"}
)
ENV_FUNCS = frozenset({"getenv", "get_env", "env", "config", "environ_get"})
ENV_METHODS = frozenset(
    {"get", "str", "int", "bool", "float", "list", "db", "db_url", "cache", "cache_url", "url", "json"}
)


def dotted(node: ast.AST) -> str:
    """'os.environ.get' for an attribute chain, '' for anything else."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    if isinstance(node, ast.Call):
        inner = dotted(node.func)
        if inner:
            parts.append(inner + "()")
            return ".".join(reversed(parts))
    return ""


def is_environ(node: ast.AST) -> bool:
    name = dotted(node)
    return name in ("os.environ", "environ") or name.endswith(".environ")


def env_read_name(node: ast.AST) -> str | None:
    """The variable name an expression reads from the environment, if it is such a read.

    Recognises os.environ["X"], os.environ.get("X"), os.getenv("X"), environ.Env()("X") and
    env("X") / env.str("X") (django-environ), config("X") (python-decouple).
    """
    key: ast.AST | None = None
    if isinstance(node, ast.Subscript) and is_environ(node.value):
        key = node.slice
    elif isinstance(node, ast.Call):
        func = node.func
        name = dotted(func)
        last = name.rsplit(".", 1)[-1] if name else ""
        environ_get = isinstance(func, ast.Attribute) and is_environ(func.value) and func.attr in ("get", "setdefault")
        env_method = isinstance(func, ast.Attribute) and dotted(func.value) in ("env", "config") and last in ENV_METHODS
        env_call = isinstance(func, ast.Call) and dotted(func.func).endswith("Env")
        if environ_get or last in ENV_FUNCS or env_method or env_call:
            key = node.args[0] if node.args else None
    if isinstance(key, ast.Constant) and isinstance(key.value, str):
        return key.value
    if isinstance(node, ast.Call) and not node.args:
        return _implied_env_name(node)
    return None


# Readers that take their variable's name from a convention when none is given: dj_database_url.config() and
# django-environ's env.db() read DATABASE_URL, env.cache() reads CACHE_URL.
IMPLIED_ENV_NAMES = {
    "dj_database_url.config": "DATABASE_URL",
    "db_url.config": "DATABASE_URL",
    "env.db": "DATABASE_URL",
    "env.db_url": "DATABASE_URL",
    "env.cache": "CACHE_URL",
    "env.cache_url": "CACHE_URL",
}


def _implied_env_name(call: ast.Call) -> str | None:
    name = IMPLIED_ENV_NAMES.get(dotted(call.func))
    if name is None:
        return None
    for kw in call.keywords:  # dj_database_url.config(env="OTHER_URL")
        if kw.arg in ("env", "var") and isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
            return kw.value.value
    return name


def env_fallbacks(tree: ast.AST) -> Iterator[tuple[str, ast.expr]]:
    """(variable name, fallback expression) for each environment read that falls back to a value when the variable
    is unset: os.environ.get("X", fb), getenv("X", fb), env("X", default=fb), and `<read of X> or fb`."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = env_read_name(node)
            if name is None:
                continue
            fallback = next((kw.value for kw in node.keywords if kw.arg == "default"), None)
            if fallback is None and len(node.args) > 1 and _default_is_positional(node):
                fallback = node.args[1]
            if fallback is not None:
                yield name, fallback
        elif isinstance(node, ast.BoolOp) and isinstance(node.op, ast.Or):
            for read, fallback in zip(node.values, node.values[1:], strict=False):
                name = env_read_name(read)
                if name is not None:
                    yield name, fallback


def _default_is_positional(call: ast.Call) -> bool:
    """os.environ.get("X", fb) and getenv("X", fb) take the fallback second; django-environ's env("X", cast) and its
    methods take a cast there, so for them only default= counts."""
    func = call.func
    return dotted(func).endswith("getenv") or (isinstance(func, ast.Attribute) and is_environ(func.value))


def env_read_spans(tree: ast.AST) -> list[tuple[int, int, int, int]]:
    """Source spans of every environment read, so literals used as their defaults can be told apart."""
    spans = []
    for node in ast.walk(tree):
        if isinstance(node, ast.expr) and env_read_name(node) is not None:
            spans.append((node.lineno, node.col_offset, node.end_lineno or node.lineno, node.end_col_offset or 0))
    return spans


def inside(node: ast.expr, spans: list[tuple[int, int, int, int]]) -> bool:
    pos = (node.lineno, node.col_offset)
    return any((a, b) <= pos <= (c, d) for a, b, c, d in spans)


def docstring_nodes(tree: ast.AST) -> set[int]:
    ids = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                ids.add(id(body[0].value))
    return ids


def string_literals(tree: ast.AST) -> Iterator[tuple[ast.Constant, str]]:
    """Every str constant that is not a docstring, with its value."""
    docs = docstring_nodes(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            yield node, node.value


def functions(tree: ast.AST) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


def is_handler(func: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A request handler: a route-decorated function, or a Django-style view taking `request`."""
    for decorator in func.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = dotted(target)
        if name and name.rsplit(".", 1)[-1] in ROUTE_DECORATORS:
            return True
    args = func.args.args
    return (
        bool(args)
        and args[0].arg == "request"
        or (len(args) > 1 and args[0].arg == "self" and args[1].arg == "request")
    )


def imported_modules(tree: ast.AST) -> Iterator[tuple[str, int]]:
    """Top-level names of absolute imports, with their line numbers."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name.split(".")[0], node.lineno
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield node.module.split(".")[0], node.lineno


def compared_strings(node: ast.Compare) -> list[str]:
    values = []
    for operand in [node.left, *node.comparators]:
        if isinstance(operand, ast.Constant) and isinstance(operand.value, str):
            values.append(operand.value)
        elif isinstance(operand, ast.Tuple | ast.List | ast.Set):
            values.extend(e.value for e in operand.elts if isinstance(e, ast.Constant) and isinstance(e.value, str))
    return values

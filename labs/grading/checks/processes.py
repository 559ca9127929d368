"""Factor VI, Processes: stateless, share-nothing processes; state lives in a backing service."""

from __future__ import annotations

import ast
import re

from labs.grading import pysource
from labs.grading.checks import DynamicContext, StaticContext, check
from labs.grading.checks.backing_services import local_file_databases
from labs.grading.repo import where
from labs.grading.verdict import Verdict, failed, passed, skipped

MUTABLE_CALLS = frozenset(
    {"dict", "list", "set", "defaultdict", "Counter", "deque", "OrderedDict", "WeakValueDictionary"}
)
MUTATORS = frozenset(
    {
        "append",
        "extend",
        "add",
        "update",
        "setdefault",
        "pop",
        "popitem",
        "insert",
        "remove",
        "clear",
        "discard",
        "appendleft",
        "__setitem__",
    }
)
LOCAL_SESSION_VALUES = re.compile(
    r"^(filesystem|django\.contrib\.sessions\.backends\.file|"
    r"django\.core\.cache\.backends\.(locmem\.LocMemCache|filebased\.FileBasedCache)|"
    r"(flask_caching\.backends\.)?(SimpleCache|FileSystemCache|simple|filesystem))$"
)
# Where a session store is chosen. Not Flask-Caching's CACHE_TYPE: a cache in process memory is allowed (a brief
# cache, lost without harm); sessions only go there if SESSION_TYPE sends them.
SESSION_KEYS = frozenset({"SESSION_TYPE", "SESSION_ENGINE", "SESSION_CACHE_ALIAS"})


def _module_state(tree: ast.Module) -> dict[str, int]:
    names = {}
    for node in tree.body:
        if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None:
            value = node.value
            mutable = isinstance(value, ast.Dict | ast.List | ast.Set | ast.DictComp | ast.ListComp | ast.SetComp) or (
                isinstance(value, ast.Call) and pysource.dotted(value.func).rsplit(".", 1)[-1] in MUTABLE_CALLS
            )
            scalar = isinstance(value, ast.Constant) and isinstance(value.value, int | float)
            if mutable or scalar:
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                for target in targets:
                    if isinstance(target, ast.Name):
                        names[target.id] = node.lineno
    return names


def in_memory_state(rel: str, tree: ast.Module) -> list[str]:
    state = _module_state(tree)
    hits = []
    for func in pysource.functions(tree):
        if not pysource.is_handler(func):
            continue
        declared_global = {n for node in ast.walk(func) if isinstance(node, ast.Global) for n in node.names}
        for node in ast.walk(func):
            if not isinstance(node, ast.expr | ast.stmt):
                continue
            name = None
            if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store | ast.Del):
                name = pysource.dotted(node.value)
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in MUTATORS:
                name = pysource.dotted(node.func.value)
            elif isinstance(node, ast.AugAssign | ast.Assign):
                targets = [node.target] if isinstance(node, ast.AugAssign) else node.targets
                for target in targets:
                    if isinstance(target, ast.Name) and target.id in declared_global:
                        name = target.id
            if name in state:
                hits.append(f"{where(rel, node.lineno)} handler {func.name}() changes module-level {name!r}")
                break
    return hits


@check(
    "processes.no-in-memory-state",
    factor=6,
    kind="static",
    title="Handlers keep no state in process memory",
    advice="Keep counters, carts and caches in a backing service (the database, Redis), not in "
    "module-level variables: the next request may reach another process.",
    anchor="caches-counters-and-rate-limits",
)
def no_in_memory_state(ctx: StaticContext) -> Verdict:
    hits = []
    for rel, tree in ctx.repo.python_trees():
        hits.extend(in_memory_state(rel, tree))
    if hits:
        return failed("; ".join(hits[:4]))
    return passed("no request handler changes module-level state")


def _session_stores(rel: str, tree: ast.Module) -> list[str]:
    hits = []
    for node in ast.walk(tree):
        pairs: list[tuple[str, ast.expr]] = []
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    pairs.append((target.id, node.value))
                elif isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant):
                    pairs.append((str(target.slice.value), node.value))
        elif isinstance(node, ast.Dict):
            pairs.extend(
                (k.value, v)
                for k, v in zip(node.keys, node.values, strict=False)
                if isinstance(k, ast.Constant) and isinstance(k.value, str)
            )
        for key, value in pairs:
            literal = value.value if isinstance(value, ast.Constant) and isinstance(value.value, str) else None
            if key in SESSION_KEYS and literal is not None and LOCAL_SESSION_VALUES.match(literal):
                hits.append(f"{where(rel, value.lineno)} ({key} = {literal!r})")
    return hits


@check(
    "processes.no-local-session-store",
    factor=6,
    kind="static",
    title="Sessions are not kept in process memory or on local disk",
    advice="Store sessions in signed cookies or a backing service (database, Redis), never in process "
    "memory or files on one machine.",
    anchor="sessions",
)
def no_local_session_store(ctx: StaticContext) -> Verdict:
    hits = []
    for rel, tree in ctx.repo.python_trees():
        hits.extend(_session_stores(rel, tree))
    js = [f for f in ctx.repo.files if f.endswith((".js", ".mjs", ".ts")) and not ctx.repo.is_test(f)]
    for rel in js:
        text = ctx.repo.text(rel) or ""
        if re.search(r"\bsession\s*\(\s*\{", text) and not re.search(r"\bstore\s*:", text):
            hits.append(f"{rel} (express-session without a store keeps sessions in memory)")
    if hits:
        return failed("local session storage: " + "; ".join(hits[:4]))
    return passed("no in-memory or file session store configured")


def _uploads(rel: str, tree: ast.Module) -> list[str]:
    hits = []
    for func in pysource.functions(tree):
        source_names = {pysource.dotted(n) for n in ast.walk(func) if isinstance(n, ast.Attribute)}
        if not any(n.endswith(("request.files", "request.FILES")) for n in source_names):
            continue
        for node in ast.walk(func):
            if not isinstance(node, ast.Call):
                continue
            name = pysource.dotted(node.func)
            if name.endswith(".save") and node.args:
                hits.append(f"{where(rel, node.lineno)} {func.name}() saves an upload to local disk")
                break
            if name in ("open", "io.open") and len(node.args) > 1:
                mode = node.args[1]
                if isinstance(mode, ast.Constant) and isinstance(mode.value, str) and re.search(r"[wa]", mode.value):
                    hits.append(f"{where(rel, node.lineno)} {func.name}() writes an upload to a local file")
                    break
    return hits


@check(
    "processes.no-local-uploads",
    factor=6,
    kind="static",
    title="Uploads go to a backing service, not the local disk",
    advice="Send uploaded files to object storage (S3-compatible) or the database; a process's disk is "
    "ephemeral and not shared with the other processes.",
    anchor="uploads",
)
def no_local_uploads(ctx: StaticContext) -> Verdict:
    hits = []
    for rel, tree in ctx.repo.python_trees():
        hits.extend(_uploads(rel, tree))
    if hits:
        return failed("; ".join(hits[:4]))
    return passed("no upload handler writes to the local disk")


@check(
    "processes.no-local-database",
    factor=6,
    kind="static",
    title="Data lives in a backing service, not a file beside the code",
    advice="Keep data in a database the processes share, located by DATABASE_URL; a SQLite file in the app's "
    "folder exists once per process and disappears with it.",
    anchor="where-state-hides",
)
def no_local_database(ctx: StaticContext) -> Verdict:
    found = local_file_databases(ctx.repo)
    if found:
        return failed("data kept in a local file, which each process has its own copy of: " + "; ".join(found[:4]))
    return passed("no database file in the code or the repository")


@check(
    "processes.share-nothing",
    factor=6,
    kind="dynamic",
    title="Two processes see the same state",
    advice="Keep state in the backing service so that a write through one process is read through any other.",
    anchor="where-state-hides",
    gate=True,
)
def share_nothing(ctx: DynamicContext) -> Verdict:
    contract = ctx.contract
    if ctx.contract_problem:
        return failed(f"the state contract is not usable: {ctx.contract_problem}")
    if contract is None or contract.state_write is None or contract.state_read is None:
        return skipped(
            "no state contract: declare `contract: {state_write: {method: POST, path: ...}, state_read: "
            "{path: ...}}` in .twelve-factor.yml to have it tested"
        )
    blocked = ctx.run.blocked("web")
    if blocked:
        return blocked
    a, b = ctx.run.web_instances
    if not b.answered:
        return failed(f"the second process (PORT={b.port}) never answered: {b.failure}")
    probe = ctx.run.state
    if probe is None:
        return skipped("the state probe did not run")
    write, read = contract.state_write, contract.state_read
    if probe.error:
        return failed(f"probing the contract failed: {probe.error}")
    if probe.write_status is None or probe.write_status >= 400:
        return failed(f"{write.method} {write.path} on process A answered {probe.write_status}")
    statuses = [s for s, _ in probe.reads]
    if len(probe.reads) < 3 or any(s >= 400 for s in statuses):
        return failed(f"GET {read.path} on process B answered {statuses}")
    (_, before), (_, after), (_, again) = probe.reads
    if probe.nonce.encode() in after or (after != before and after == again):
        return passed(
            f"{write.method} {write.path} via A (PORT={a.port}) was visible in {read.method} {read.path} "
            f"via B (PORT={b.port})"
        )
    if after != again:
        return failed(f"{read.path} via B changes on every read, so shared state cannot be shown")
    return failed(
        f"after {write.method} {write.path} via A (PORT={a.port}), {read.path} via B (PORT={b.port}) "
        f"still answered {before[:80]!r}: the state stayed in process A"
    )

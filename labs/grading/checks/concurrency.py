"""Factor VIII, Concurrency: scale out via the process model, one type per kind of work."""

from __future__ import annotations

import ast
import re

from labs.grading import pysource
from labs.grading.checks import DynamicContext, StaticContext, check
from labs.grading.process_types.descriptors import DESCRIPTORS
from labs.grading.repo import where
from labs.grading.verdict import Verdict, failed, passed, skipped, warned

DESCRIPTOR_NAMES = ", ".join(d.name for d in DESCRIPTORS[:-1]) + f" or {DESCRIPTORS[-1].name} file"

DAEMON_RE = re.compile(
    # `&` alone (not `&&`, not a redirection like `2>&1`) sends a job to the background, at the end or mid-command.
    r"(--daemon\b|(?<![\w-])-D\b|\bnohup\b|(?<![&>])&(?![&>\d])|--detach\b|\bcelery\s+multi\b|\bsupervisord\b|"
    r"\bscreen\s+-d|\btmux\b|\bdaemonize\b|\bpm2\s+start\b|\bforever\s+start\b)"
)


@check(
    "concurrency.process-types",
    factor=8,
    kind="static",
    title="Process types are declared",
    advice="Declare each kind of work as a process type (a Procfile's web:, worker:, release:, or your platform's "
    "render.yaml, fly.toml [processes], app spec...), so each can be scaled on its own.",
    anchor="the-procfile",
)
def process_types(ctx: StaticContext) -> Verdict:
    types = ctx.repo.process_types
    if not types:
        if types.problems:
            return failed("no process types could be read: " + "; ".join(types.problems[:3]))
        if ctx.repo.exists("Procfile"):
            return failed("the Procfile declares no process types (lines look like `web: command`)")
        return failed(f"no process types declared: no {DESCRIPTOR_NAMES}")
    by_source: dict[str, list[str]] = {}
    for entry in types.declared:
        by_source.setdefault(entry.declared_in, []).append(entry.name)
    declared = "; ".join(f"{source} declares {', '.join(names)}" for source, names in by_source.items())
    web = types.web
    if web is not None and not web.declared:
        return warned(web.evidence + (f"; {declared}" if declared else ""))
    if types.problems:
        return warned(f"{declared}; " + "; ".join(types.problems[:3]))
    if web is None:
        return warned(f"{declared}, but no web process")
    return passed(declared)


@check(
    "concurrency.no-daemonizing",
    factor=8,
    kind="static",
    title="Processes stay in the foreground",
    advice="Never daemonize or write PID files: run in the foreground and let the process manager "
    "(the platform, honcho, systemd) supervise and restart.",
    anchor="let-the-platform-supervise",
)
def no_daemonizing(ctx: StaticContext) -> Verdict:
    hits = []
    for entry in ctx.repo.process_types:
        match = DAEMON_RE.search(entry.runs)
        if match:
            hits.append(f"{entry.cite} {entry.name}: {match.group(0).strip()}")
    for rel, tree in ctx.repo.python_trees():
        calls = {pysource.dotted(n.func): n.lineno for n in ast.walk(tree) if isinstance(n, ast.Call)}
        if "os.fork" in calls and "os.setsid" in calls:
            hits.append(f"{where(rel, calls['os.fork'])} (os.fork + os.setsid)")
        for module, line in pysource.imported_modules(tree):
            if module in ("daemon", "daemonize"):
                hits.append(f"{where(rel, line)} (imports {module})")
        for node in tree.body:
            daemon = isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "daemon" for t in node.targets
            )
            if (
                daemon
                and isinstance(node, ast.Assign)
                and isinstance(node.value, ast.Constant)
                and node.value.value is True
            ):
                hits.append(f"{where(rel, node.lineno)} (gunicorn daemon = True)")
    if hits:
        return failed("daemonizing: " + "; ".join(hits[:4]))
    return passed("no daemonizing in the process types or the code")


@check(
    "concurrency.process-types-run",
    factor=8,
    kind="dynamic",
    title="Every process type runs in the foreground",
    advice="Each process type must keep running in the foreground until it is told to stop; one that "
    "exits at once has daemonized or crashed.",
    anchor="process-types",
)
def process_types_run(ctx: DynamicContext) -> Verdict:
    run = ctx.run
    blocked = run.blocked("build")
    if blocked:
        return blocked
    if not ctx.repo.process_types:
        return failed("no process types declared or inferred, so none could be started")
    notes = []
    bad = []
    for other in run.others:
        if other.alive_after is not None:
            notes.append(f"{other.name} still running after {other.alive_after:.1f} s")
        else:
            bad.append(f"{other.name} exited with status {other.exit_code} within a second")
    if bad:
        return failed("; ".join(bad + notes))
    if not notes:
        return skipped("no process types besides web and release to start (web is checked under VII)")
    return passed("; ".join(notes))

"""Factor VIII, Concurrency: scale out via the process model, one type per kind of work."""

from __future__ import annotations

import ast
import re

from labs.grading import pysource
from labs.grading.checks import DynamicContext, StaticContext, Verdict, check, failed, passed, skipped, warned
from labs.grading.repo import where

DAEMON_RE = re.compile(
    # `&` alone (not `&&`, not a redirection like `2>&1`) sends a job to the background, at the end or mid-command.
    r"(--daemon\b|(?<![\w-])-D\b|\bnohup\b|(?<![&>])&(?![&>\d])|--detach\b|\bcelery\s+multi\b|\bsupervisord\b|"
    r"\bscreen\s+-d|\btmux\b|\bdaemonize\b|\bpm2\s+start\b|\bforever\s+start\b)"
)


@check(
    "concurrency.process-types",
    factor=8,
    kind="static",
    title="Process types are declared in a Procfile",
    advice="Declare each kind of work as a process type in a Procfile (web:, worker:, release:), so each "
    "can be scaled on its own.",
    anchor="the-procfile",
)
def process_types(ctx: StaticContext) -> Verdict:
    procfile = ctx.repo.procfile
    if procfile is None:
        return failed("no Procfile at the repository root")
    if not procfile:
        return failed("the Procfile declares no process types (lines look like `web: command`)")
    bad = []
    for number, line in enumerate(ctx.repo.lines("Procfile"), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#") and not re.match(r"^[A-Za-z0-9_-]+:\s*\S", stripped):
            bad.append(f"Procfile:{number}")
    names = ", ".join(procfile)
    if bad:
        return warned(f"process types {names}; unreadable lines at {', '.join(bad[:3])}")
    if "web" not in procfile:
        return warned(f"process types {names}, but no `web`")
    return passed(f"Procfile declares {names}")


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
    for name, entry in (ctx.repo.procfile or {}).items():
        match = DAEMON_RE.search(entry.command)
        if match:
            hits.append(f"Procfile:{entry.line} {name}: {match.group(0).strip()}")
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
            if daemon and isinstance(node.value, ast.Constant) and node.value.value is True:
                hits.append(f"{where(rel, node.lineno)} (gunicorn daemon = True)")
    if hits:
        return failed("daemonizing: " + "; ".join(hits[:4]))
    return passed("no daemonizing in the Procfile or the code")


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
    procfile = ctx.repo.procfile or {}
    if not procfile:
        return failed("no Procfile process types to start")
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

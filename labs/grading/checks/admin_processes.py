"""Factor XII, Admin processes: run admin tasks as one-off processes of the same release."""

from __future__ import annotations

import ast
import re

from labs.grading import pysource
from labs.grading.checks import DynamicContext, StaticContext, check
from labs.grading.repo import Repo, where
from labs.grading.verdict import Verdict, failed, passed, skipped, warned

ADMIN_CALLS = frozenset({"create_all", "drop_all", "call_command", "upgrade", "migrate", "execute_from_command_line"})


@check(
    "admin-processes.in-codebase",
    factor=12,
    kind="static",
    title="Admin tasks ship with the code as commands",
    advice="Ship one-off tasks (migrations, data fixes) in the repository as commands that run in the "
    "release's environment: a release command, manage.py or flask CLI commands, rake tasks.",
    anchor="writing-admin-tasks",
)
def in_codebase(ctx: StaticContext) -> Verdict:
    repo = ctx.repo
    found = [t.evidence for t in repo.process_types if t.role in ("release", "job")]
    if repo.exists("manage.py"):
        commands = repo.glob(r"(^|/)management/commands/(?!__init__)[^/]+\.py$")
        found.append("manage.py" + (f" with {len(commands)} custom command(s)" if commands else ""))
    for rel, tree in repo.python_trees():
        for node in pysource.functions(tree):
            if any(
                "cli.command" in pysource.dotted(d.func if isinstance(d, ast.Call) else d) for d in node.decorator_list
            ):
                found.append(f"{where(rel, node.lineno)} flask command {node.name}")
                break
        # Click commands registered on the app's CLI: app.cli.add_command(commands.test).
        for call in ast.walk(tree):
            if isinstance(call, ast.Call) and pysource.dotted(call.func).endswith("cli.add_command") and call.args:
                found.append(f"{where(rel, call.lineno)} flask command {pysource.dotted(call.args[0]) or 'added'}")
                break
    if repo.is_node:
        package = repo.text("package.json") or ""
        if re.search(r'"(migrate|db:migrate|seed)"\s*:', package):
            found.append("package.json admin scripts")
    found.extend(_ruby_and_go_commands(repo))
    if found:
        return passed("; ".join(found[:3]))
    return warned("no admin command found (no release command, manage.py, rake tasks or CLI commands)")


def _ruby_and_go_commands(repo: Repo) -> list[str]:
    found = []
    if repo.exists("bin/rails") or repo.exists("config/application.rb"):
        found.append("bin/rails commands (db:migrate, runner)")
    tasks = repo.glob(r"^lib/tasks/[^/]+\.rake$")
    if tasks:
        found.append(f"{len(tasks)} rake task file(s) ({tasks[0]})")
    commands = repo.glob(r"^cmd/(migrate|seed|admin|cli|manage|tasks?)[^/]*/[^/]+\.go$")
    if commands:
        found.append(f"Go admin command {commands[0].rsplit('/', 1)[0]}")
    return found


@check(
    "admin-processes.not-in-web-requests",
    factor=12,
    kind="static",
    title="Admin tasks are not triggered by web requests",
    advice="Do not create tables or run migrations from a request handler; run them as one-off processes "
    "(`release:` or a management command).",
    anchor="anti-patterns",
)
def not_in_web_requests(ctx: StaticContext) -> Verdict:
    hits = []
    for rel, tree in ctx.repo.python_trees():
        for func in pysource.functions(tree):
            if not pysource.is_handler(func):
                continue
            for node in ast.walk(func):
                if isinstance(node, ast.Call) and pysource.dotted(node.func).rsplit(".", 1)[-1] in ADMIN_CALLS:
                    hits.append(f"{where(rel, node.lineno)} handler {func.name}() calls {pysource.dotted(node.func)}()")
                    break
    if hits:
        return failed("; ".join(hits[:4]))
    return passed("no request handler runs schema or admin tasks")


@check(
    "admin-processes.one-off-runs",
    factor=12,
    kind="dynamic",
    title="The release/admin command runs as a one-off process and exits 0",
    advice="Make the release or admin command a plain process that does its work and exits 0, using the "
    "same build and environment as the web process.",
    anchor="migrations-in-the-deploy",
)
def one_off_runs(ctx: DynamicContext) -> Verdict:
    blocked = ctx.run.blocked("build")
    if blocked:
        return blocked
    step = ctx.run.release
    if step is None:
        return skipped("no release command and no manage.py, so there is no admin command to run")
    if step.timed_out:
        return failed(f"{ctx.run.release_source} `{step.command[:200]}` still running after {step.duration:.0f} s")
    if step.exit_code != 0:
        tail = f": {step.output_tail}" if step.output_tail else ""
        return failed(f"{ctx.run.release_source} `{step.command[:200]}` exited {step.exit_code}{tail}")
    return passed(f"{ctx.run.release_source} `{step.command[:200]}` exited 0 in {step.duration:.2f} s")

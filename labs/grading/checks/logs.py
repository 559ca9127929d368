"""Factor XI, Logs: treat logs as event streams written to stdout."""

from __future__ import annotations

import ast
import re

from labs.grading import pysource
from labs.grading.checks import DynamicContext, StaticContext, check
from labs.grading.repo import where
from labs.grading.verdict import Verdict, failed, passed, skipped, warned

FILE_HANDLERS = frozenset({"FileHandler", "RotatingFileHandler", "TimedRotatingFileHandler", "WatchedFileHandler"})
PROCFILE_LOG_RE = re.compile(r"--(access-logfile|error-logfile|log-file|logfile)[= ](?!-(\s|$))(\S+)")
LOG_FILE_RE = re.compile(r"(\.log(\.\d+)?|\.out)$|(^|/)logs?/")


def _log_files(rel: str, tree: ast.Module) -> list[str]:
    hits = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            name = pysource.dotted(node.func)
            last = name.rsplit(".", 1)[-1]
            if last in FILE_HANDLERS:
                hits.append(f"{where(rel, node.lineno)} ({last})")
            elif name.endswith("basicConfig") and any(k.arg == "filename" for k in node.keywords):
                hits.append(f"{where(rel, node.lineno)} (basicConfig(filename=...))")
            elif last == "open" and node.args:
                first = node.args[0]
                if isinstance(first, ast.Constant) and isinstance(first.value, str) and first.value.endswith(".log"):
                    hits.append(f"{where(rel, node.lineno)} (opens {first.value})")
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value.rsplit(".", 1)[-1] in FILE_HANDLERS and node.value.startswith("logging"):
                hits.append(f"{where(rel, node.lineno)} ({node.value} in logging config)")
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if (
                    isinstance(target, ast.Name)
                    and target.id in ("accesslog", "errorlog")
                    and isinstance(node.value, ast.Constant)
                    and isinstance(node.value.value, str)
                    and node.value.value not in ("-", "")
                ):
                    hits.append(f"{where(rel, node.lineno)} (gunicorn {target.id} = {node.value.value!r})")
    return hits


@check(
    "logs.no-log-files-in-code",
    factor=11,
    kind="static",
    title="The code writes logs to stdout, not to files",
    advice="Log to stdout/stderr (logging.StreamHandler, gunicorn --access-logfile -) and let the "
    "platform route the stream; never open log files.",
    anchor="from-files-to-a-stream",
)
def no_log_files_in_code(ctx: StaticContext) -> Verdict:
    hits = []
    for entry in ctx.repo.process_types:
        match = PROCFILE_LOG_RE.search(entry.runs)
        if match:
            hits.append(f"{entry.cite} {entry.name}: --{match.group(1)} {match.group(3)}")
    for rel, tree in ctx.repo.python_trees():
        hits.extend(_log_files(rel, tree))
    js = [f for f in ctx.repo.files if f.endswith((".js", ".mjs", ".cjs", ".ts")) and not ctx.repo.is_test(f)]
    for rel, number, _ in ctx.repo.grep(r"transports\.File\b|createWriteStream\([^)]*\.log", js):
        hits.append(f"{where(rel, number)} (log file)")
    if hits:
        return failed("logs written to files: " + "; ".join(hits[:5]))
    return passed("no log files configured in the process types or the code")


@check(
    "logs.output-to-stdout",
    factor=11,
    kind="dynamic",
    title="Serving requests produces output on stdout/stderr",
    advice="Write a log line per request (gunicorn --access-logfile -, or your framework's logger on a "
    "StreamHandler) so the platform can collect the stream.",
    anchor="where-the-stream-goes",
)
def output_to_stdout(ctx: DynamicContext) -> Verdict:
    blocked = ctx.run.blocked("web")
    if blocked:
        return blocked
    growth = ctx.run.output_growth
    if growth is None:
        return skipped("the second deploy did not answer, so its output was not measured")
    if growth > 0:
        return passed(f"{growth} bytes on stdout/stderr while serving our requests (read from our pipes)")
    command = ctx.run.web_command or ""
    quiet_gunicorn = re.search(r"\bgunicorn\b", command) and not re.search(
        r"--access-?log|--log-config|(^|\s)-c\s|--config", command
    )
    written = sorted(p for p in ctx.run.new_files if LOG_FILE_RE.search(p))
    if written:
        return failed(f"0 bytes on stdout/stderr while serving our requests: the log went to {', '.join(written[:3])}")
    # An app that logs nothing at all keeps no log away from the stream; it just has none to route.
    if quiet_gunicorn:
        return warned(
            f"0 bytes on stdout/stderr while serving our requests: `{command}` writes no access log unless asked "
            "(nothing went to a file either); add --access-logfile - to see each request in the stream"
        )
    return warned(
        "0 bytes on stdout/stderr while serving our requests, and nothing went to a file either: the app logs no "
        "request at all; log a line per request to stdout (your framework's request logger)"
    )


@check(
    "logs.no-log-files-written",
    factor=11,
    kind="dynamic",
    title="Running the app leaves no log files",
    advice="Remove file handlers: the process must not write logs into its working directory.",
    anchor="from-files-to-a-stream",
)
def no_log_files_written(ctx: DynamicContext) -> Verdict:
    blocked = ctx.run.blocked("web")
    if blocked:
        return blocked
    if ctx.run.files_after is None:
        return skipped("the workspace could not be listed")
    logs = sorted(p for p in ctx.run.new_files if LOG_FILE_RE.search(p))
    if logs:
        sizes = ", ".join(f"{p} ({ctx.run.new_files[p]} bytes)" for p in logs[:4])
        return failed(f"log files appeared in the workspace: {sizes}")
    return passed(f"no log files appeared in the workspace ({len(ctx.run.files_after)} files listed after the run)")

"""How a process type is started in the box, and what its output says."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING

from labs.grading.process_types import ProcessType
from labs.grading.report import Step

if TYPE_CHECKING:
    from labs.sandbox import Completed


def tail(data: bytes, limit: int = 300) -> str:
    """The last few non-blank lines of a process's output, joined on one line for evidence."""
    text = data[-4000:].decode("utf-8", errors="replace").strip()
    lines = [line for line in text.splitlines() if line.strip()]
    return " | ".join(lines[-4:])[-limit:]


_PYTHON_TRACEBACK = "Traceback (most recent call last):"
_PYTHON_FRAME = re.compile(r'^\s*File "(?P<path>[^"]+)", line (?P<line>\d+)')
# Node's uncaught error line: "Error: Cannot find module 'express'", "TypeError: ...", "Error [ERR_REQUIRE_ESM]: ...".
_NODE_ERROR = re.compile(r"^(?:Uncaught )?[A-Z]?\w*Error(?: \[[A-Z_]+\])?: .+")
_LIBRARY_PATHS = ("/site-packages/", "/dist-packages/", "/lib/python3", "/tmp/venv/", "node_modules/", "node:internal")


def crash(data: bytes, limit: int = 300) -> str:
    """Why a process stopped, as its output says: a Python traceback's exception with the frame of the repository's
    own code it came through, or Node's uncaught error; else its last lines. A server's own last words hide the
    cause: gunicorn ends a failed boot with "Worker failed to boot" (sometimes its own HaltServer traceback), a
    screen below the worker's traceback that says why, so the last traceback through the repository's code wins."""
    text = data[-20_000:].decode("utf-8", errors="replace")
    tracebacks = [_traceback(part) for part in text.split(_PYTHON_TRACEBACK)[1:]]
    told = [(exception, own) for exception, own in tracebacks if exception]
    # gunicorn's master halting says only that a worker failed: a worker's traceback, if any, says why.
    told = [(exception, own) for exception, own in told if "HaltServer" not in exception] or told
    if told:
        exception, own = next(((e, o) for e, o in reversed(told) if o), told[-1])
        return (exception + (f" (raised from {own[-1]})" if own else ""))[:limit]
    errors = [line.strip() for line in text.splitlines() if _NODE_ERROR.match(line.strip())]
    if errors:
        return errors[-1][:limit]
    return tail(data, limit)


def _traceback(text: str) -> tuple[str, list[str]]:
    """(the exception line, the repository's own frames as path:line) of the traceback `text` starts with."""
    frames: list[str] = []
    for line in text.splitlines()[1:]:
        if frame := _PYTHON_FRAME.match(line):
            frames.append(f"{frame['path'].removeprefix('/workspace/')}:{frame['line']}")
        elif line.strip() and not line[0].isspace():
            return line.strip(), [frame for frame in frames if not any(part in frame for part in _LIBRARY_PATHS)]
    return "", []


# The lines of an installer's failure that say what failed (uv's "× Failed to build `psycopg2==2.7.3`" and its
# "help:", pip's and npm's "ERROR"), rather than the last lines of a compiler's output.
# Only the installer's own lines: a build backend's output comes indented under them.
_INSTALL_SUMMARY = re.compile(
    r"^ {0,2}(?:×|╰─▶|help:|error:|cause:|caused by:|ERROR:|npm (?:ERR!|error))\s*(?P<line>.+)$"
)


def install_failure(data: bytes, limit: int = 400) -> str:
    """What an install's output says went wrong, in a line or three a learner can act on."""
    text = data.decode("utf-8", errors="replace")
    summary = [m.group(0).strip()[:200] for line in text.splitlines() if (m := _INSTALL_SUMMARY.match(line))]
    if not summary:
        return tail(data, limit)
    return " | ".join(dict.fromkeys(summary))[:limit]


def step(command: str, done: Completed, summary: Callable[[bytes], str] = tail) -> Step:
    """The record of a one-off command we ran in the box, its output summed up for evidence."""
    return Step(command, done.exit_code, done.duration, done.timed_out, summary(done.stderr + done.stdout))


def argv(entry: ProcessType) -> list[str]:
    """How to start a process type: its exec form as it is, else its command under sh.

    For the buildpack's `npm start` we start the script itself: the platform signals every process of the dyno,
    we signal one, and npm does not pass SIGTERM on, so its wrapper would fail the app's shutdown for our choice."""
    if entry.script:
        return shell(entry.script)
    return list(entry.argv) if entry.argv else shell(entry.command)


def shell(command: str) -> list[str]:
    """argv running a Procfile command under sh; a simple command is exec'd so signals reach it."""
    if not re.search(r"[;&|`<>()\n]|\$\(", command):
        match = re.match(r"^((?:[A-Za-z_][A-Za-z0-9_]*=\S*\s+)*)(.+)$", command.strip())
        if match and not match.group(2).startswith(("exec ", "cd ")):
            command = f"{match.group(1)}exec {match.group(2)}"
    return ["sh", "-c", command]

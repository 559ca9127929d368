"""CPU priority of grading: a grade waits in a queue anyway, a page has a learner waiting on it.

On a machine that serves the site and grades labs (a workshop room on one box), both want every core at once. Under
the kernel's autogroup scheduling, on by default in Debian's kernel, every session is a scheduling group that weighs
as much as the whole web server: the worker, the package-index proxy and each process started for a box (each in a
session of its own, so it has no controlling terminal to push keystrokes into) each took as much CPU as all of
gunicorn, and a room of 300 learners waited 30 s for its answers while 60 labs were graded (bench/workshop.py).

So grading runs at `GRADING_NICE` (`SandboxSettings.nice`: default 10, 0 keeps it level with the site): the worker
and the proxies lower themselves as they start, and each box process lowers its new session's autogroup before
anything runs. Lowering a priority needs no privilege; raising it back needs CAP_SYS_NICE, which nothing in a box
has. An idle machine still gives a grade all of its CPU: a priority only decides who waits when both want to run.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

# Braces: a kernel without autogroup has no such file, and the shell's complaint must not reach a grade's output.
_LOWER_SESSION = '{ echo "$1" > /proc/self/autogroup; } 2>/dev/null; shift; exec "$@"'


def lower_this_process(nice: int) -> None:
    """Run this process (and what it starts) at `nice`, and its session's autogroup too when the session is this
    process's own: started as a platform starts a Procfile line (`sh -c COMMAND`, with or without exec)."""
    if nice <= 0:
        return
    if os.getpriority(os.PRIO_PROCESS, 0) < nice:
        os.setpriority(os.PRIO_PROCESS, 0, nice)
    if _session_is_ours():
        with contextlib.suppress(OSError):  # no autogroup in this kernel, or its rate limit: the nice still holds
            Path("/proc/self/autogroup").write_text(str(nice))


def _session_is_ours() -> bool:
    """Whether this process leads its session, or its parent does and is a `sh -c` wrapper. An interactive shell's
    session (a developer's terminal) is left as it is."""
    leader = os.getsid(0)
    if leader == os.getpid():
        return True
    if leader != os.getppid():
        return False
    with contextlib.suppress(OSError):
        argv = Path(f"/proc/{leader}/cmdline").read_bytes().split(b"\0")
        return len(argv) > 2 and argv[1] == b"-c"
    return False


def box_process_prefix(nice: int, nice_tool: str) -> list[str]:
    """argv prefix that lowers a new box session's autogroup to `nice`, and the process itself if the grader runs
    above it; [] when `nice` is 0."""
    if nice <= 0:
        return []
    prefix = ["/bin/sh", "-c", _LOWER_SESSION, "lower-priority", str(nice)]
    increment = nice - os.getpriority(os.PRIO_PROCESS, 0)
    return [*prefix, nice_tool, "-n", str(increment)] if increment > 0 else prefix

"""The sandboxed build and run: one box per grade, observed only from the host.

observe() builds the declared dependencies into a fresh venv (through the caching index proxy, its door open for the
build only, or from the offline wheelhouse: labs.grading.index), runs the release command as a one-off, starts the
Procfile `web` process twice (two deploys of one build, different PORTs, one shared SQLite database given by
DATABASE_URL) plus the other process types, probes them over HTTP, sends SIGTERM during an in-flight request, and
lists the workspace. Every dynamic check then reads the RunReport (labs.grading.report);
none of them runs anything itself, so a grade costs one build and one run.

One module a stage: build, release, web (the run and its probes), shutdown and statelessness (the probes that need
their own timing); session holds what they share, commands how a process is started and its output read.

Evidence is what the host saw: exit statuses, our own HTTP probes, sockets read from /proc, byte counts of our
pipes, and the workspace listed by the sandbox's trusted command. What the learner's processes print is only
quoted in evidence, never used to decide.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from pathlib import Path

from labs.grading import index, languages, wheelhouse
from labs.grading.definitions import Contract, Lab
from labs.grading.exceptions import Fault, GraderFault
from labs.grading.manifest import node_manifest, table
from labs.grading.observe.build import build
from labs.grading.observe.release import release
from labs.grading.observe.session import Session
from labs.grading.observe.web import run
from labs.grading.repo import Repo
from labs.grading.report import RunReport

__all__ = ["observe"]

log = logging.getLogger(__name__)

MiB = 1024 * 1024


def observe(repo: Repo, lab: Lab, contract: Contract | None, *, workdir: Path) -> RunReport:
    """Build and run the submission in a sandbox. Raises GraderFault when our own machinery fails (no sandbox, no
    wheelhouse, a box that broke): that is never the learner's result."""
    report = RunReport()
    report.not_runnable = languages.unsupported_runtime(repo)  # a Go or Ruby service: what is missing to run it
    if report.not_runnable:
        return report
    if not repo.is_python and not repo.is_node:
        report.not_runnable = "the dynamic checks run Python and Node services; this repository has neither"
        return report
    from labs.sandbox import Limits, SandboxError, get_backend

    house = wheelhouse.locate()
    problem = wheelhouse.problem(house)
    try:
        registry = index.settings(kind=index.PYPI if repo.is_python else index.NPM)
    except ValueError as exc:
        raise GraderFault(Fault.PACKAGE_INDEX, str(exc)) from None
    # Python builds need uv from the wheelhouse; Node builds need the npm registry only for packages.
    needs_registry = repo.is_python or bool(table(node_manifest(repo)[0], "dependencies"))
    problem = (problem if repo.is_python else None) or (index.problem(registry) if needs_registry else None)
    if problem:
        raise GraderFault(Fault.PACKAGE_INDEX, problem)
    limits = lab.limits
    box_limits = Limits(
        wall_seconds=limits.build_seconds + limits.release_seconds + limits.start_seconds + 60,
        memory_bytes=limits.memory_mb * MiB,
        processes=limits.processes,
        file_size_bytes=limits.file_size_mb * MiB,
        open_files=limits.open_files,
        output_bytes=limits.output_kb * 1024,
        workspace_bytes=limits.workspace_mb * MiB,
        tmp_bytes=limits.workspace_mb * MiB,
    )
    try:
        backend = get_backend()
        backend.check()
        clock = time.monotonic()

        def lap(name: str) -> None:
            nonlocal clock
            now = time.monotonic()
            report.timings[name] = round(now - clock, 3)
            clock = now

        # The wheelhouse gives uv's binary (and, offline, the packages); a door per box leads to the index proxy.
        door = index.Door(registry) if needs_registry and not registry.offline else None
        mounts = {"/wheelhouse": house} if repo.is_python else {}
        mounts.update(door.mounts if door else {})
        with contextlib.ExitStack() as stack:
            if door is not None:
                stack.callback(door.close)
            box = stack.enter_context(backend.open(workdir, limits=box_limits, ro_mounts=mounts))
            lap("open")
            if door is not None:
                door.allow(getattr(box, "uid", None) or os.getuid())
            session = Session(repo, lab, contract or Contract(), box, report, door=door)
            built = build(session)
            if door is not None:
                door.close()  # the release and the run have no way out
            lap("build")
            if built.unsatisfiable or report.not_runnable:
                return report
            report.files_at_start = set(session.listing())  # before any learner code has run
            lap("list")
            release(session)
            lap("release")
            run(session)
            lap("run")
            report.files_after = session.listing()
            lap("list-after")
        lap("close")
        log.info("sandboxed run timings: %s", report.timings)
    except SandboxError as exc:
        log.warning("sandbox failed: %s", exc)
        raise GraderFault(Fault.SANDBOX, str(exc)) from exc
    return report

"""The build stage: the declared dependencies installed into the box, then the build command.

Python builds install with uv into a fresh venv, from the package index proxy through its door (open for the build
only) or from the offline wheelhouse; Node builds run npm against the npm registry proxy. Either way the install
reaches the proxy only through our forwarder on the box's loopback, started before any learner code runs."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING

from labs.grading import index, install, pythons, wheelhouse
from labs.grading.definitions import SUBMISSION_CONTRACT_FILES, submission_build_command
from labs.grading.exceptions import Fault, GraderFault
from labs.grading.manifest import Manifest, node_manifest, python_manifest, table, third_party_imports
from labs.grading.observe.commands import install_failure, shell, step, tail
from labs.grading.observe.session import VENV, Session
from labs.grading.report import GRADER_DIR, Build

if TYPE_CHECKING:
    from labs.sandbox import Completed, Process

log = logging.getLogger(__name__)

UV = f"/wheelhouse/{wheelhouse.UV_RELATIVE}"
# Run by the venv's interpreter with -I before any learner code has run in the box: which of the
# imported top-level modules the declared dependencies do not provide.
IMPORT_PROBE = (
    "import importlib.util,json,sys\n"
    "print(json.dumps([n for n in sys.argv[1:] if importlib.util.find_spec(n) is None]))"
)
UV_ENV = {
    "UV_CACHE_DIR": "/tmp/uv-cache",
    "UV_NO_PROGRESS": "1",
    "UV_PYTHON_DOWNLOADS": "never",
    # uv sizes its thread pools to the host's cores; every thread counts against the box's process
    # limit and reserves stack address space under its memory limit. Two at a time is plenty.
    "UV_CONCURRENT_INSTALLS": "2",
    "UV_CONCURRENT_DOWNLOADS": "2",
    "UV_CONCURRENT_BUILDS": "1",
    "RAYON_NUM_THREADS": "2",
    # glibc gives each thread that allocates its own 64 MB arena of address space: uv's blocking-IO threads
    # (unpacking an sdist's build requirements) then run out of the box's address space with ENOMEM.
    "MALLOC_ARENA_MAX": "2",
}
# uv aborts now and then when the kernel refuses it a thread ("Resource temporarily unavailable"): that is our
# sandbox's limit, not the learner's manifest, so the install gets one more try before it counts.
TRANSIENT_INSTALL_ERROR = b"Resource temporarily unavailable"


def build(session: Session) -> Build:
    """Install what the repository declares and run its build command; the Build is also on the report."""
    if not session.repo.is_python:
        return _build_node(session)
    return _build_python(session)


def _build_python(session: Session) -> Build:
    repo, door = session.repo, session.door
    manifest = python_manifest(repo)
    python = pythons.choose(repo)
    build = Build(manifest=manifest, python=python)
    build.source = "package index" if door is not None else "offline wheelhouse"
    session.report.build = build
    plan = _python_plan(session, manifest)
    if plan.refused or plan.problem:
        build.refused = plan.refused
        build.unsatisfiable = plan.refused or plan.problem
        return build
    gaps = wheelhouse.lacks(wheelhouse.locate(), manifest.requirements) if door is None else []
    if gaps:
        raise GraderFault(
            Fault.PACKAGE_INDEX,
            f"the grader's offline package set has no {', '.join(gaps[:6])} (declared in {manifest.file})",
        )
    for path, text in plan.files.items():  # written by our command, before any learner code runs
        write = ["/bin/sh", "-c", 'mkdir -p "${1%/*}" && cat > "$1"', "write", path]
        session.box.run(write, stdin=text.encode(), timeout=10)
    script = [
        f"rm -rf /workspace/{GRADER_DIR} && mkdir -p /workspace/{GRADER_DIR}",
        # --clear: a retried install starts from a fresh venv, not the half-built one.
        f"{UV} venv --quiet --offline --no-config --clear --python {python.path} {VENV}",
    ]
    if plan.requirements:
        where = (
            f"--no-sources --index-url {index.BOX_URL}"
            if door is not None
            else "--offline --no-index --find-links /wheelhouse --no-build"
        )
        script.append(
            f'{UV} pip install --quiet --no-config {where} --python {VENV}/bin/python -r "$1"'
            + (' -c "$2"' if plan.constraints else "")
        )
    argv = ["sh", "-ec", " && ".join(script), "build", plan.requirements or "", plan.constraints or ""]
    env = dict(UV_ENV)
    if door is not None:
        # The proxy sends a file once it has it all from the upstream: a large first download waits.
        env["UV_HTTP_TIMEOUT"] = "120"
        # For build scripts of the learner's that call pip themselves.
        env["PIP_INDEX_URL"] = index.BOX_URL
    failed = _install(session, build, plan, argv, env=env, retry_on=TRANSIENT_INSTALL_ERROR)
    if failed is not None:
        if needed := pythons.needed_by_install(failed):
            # Like Go or Ruby without a toolchain: the grader cannot run it here. Retrying would not help, and it
            # is no failed install of the learner's: the static checks stand, the grade cannot pass.
            session.report.not_runnable = pythons.not_available(python, needed)
        return build
    _probe_imports(session, build)
    build_command(session, build)
    return build


def _build_node(session: Session) -> Build:
    """npm installs what package.json declares, from the npm registry proxy, in the box (scripts included: they
    run there only). Offline there is no npm registry: a Node app that needs packages gets static checks only."""
    package, _ = node_manifest(session.repo)
    build = Build(manifest=Manifest(file="package.json"), source="npm registry")
    session.report.build = build
    deps = table(package, "dependencies")
    if deps and session.door is None:
        session.report.not_runnable = (
            f"package.json declares {len(deps)} dependencies and this grader has no npm registry to install "
            "them from (GRADER_NPM_URL=offline), so the Node service was not run"
        )
        return build
    plan = install.npm_plan(session.repo, package or {}) if deps else install.Plan(shown="no Node packages to install")
    if plan.refused:
        build.refused = build.unsatisfiable = plan.refused
        return build
    script = f"rm -rf /workspace/{GRADER_DIR} && mkdir -p /workspace/{GRADER_DIR}"
    if plan.requirements:
        verb = "ci" if plan.requirements != "package.json" else "install --no-package-lock"
        script += (
            f" && npm {verb} --no-audit --no-fund --no-update-notifier --registry={index.NPM.box_url} "
            "--replace-registry-host=always --maxsockets=4 --cache=/tmp/npm-cache"
        )
    if _install(session, build, plan, ["sh", "-c", script], env={"npm_config_loglevel": "error"}) is not None:
        return build
    build_command(session, build)
    return build


def _python_plan(session: Session, manifest: Manifest) -> install.Plan:
    if session.door is not None:
        return install.plan(session.repo, manifest)
    rel = manifest.install_from
    return install.Plan(
        requirements=rel,
        shown=f"uv pip install -r {rel}" if rel else "no dependencies declared",
        problem=manifest.problem,
        refused=manifest.refused,
    )


def _install(
    session: Session,
    build: Build,
    plan: install.Plan,
    argv: list[str],
    *,
    env: Mapping[str, str],
    retry_on: bytes | None = None,
) -> str | None:
    """Run the install, through our forwarder to the door when there are packages to fetch, as build.step.

    None when it succeeded; else its output, with build.unsatisfiable saying why it failed. Raises GraderFault
    when it was our forwarder or proxy that failed. An install whose output shows retry_on runs once more."""
    door = session.door
    forwarder = None
    if plan.requirements and door is not None:
        forwarder = _start_forwarder(session, door)
        if forwarder is None:
            raise GraderFault(Fault.PACKAGE_INDEX, f"the {door.kind.label} forwarder did not start in the sandbox")
    done = _run_install(session, argv, env=env, retry_on=retry_on)
    if forwarder is not None:
        forwarder.kill()
    installed = build.step = step(plan.shown, done, summary=install_failure)
    if installed.ok:
        return None
    text = (done.stderr + done.stdout).decode("utf-8", "replace")
    failure = index.proxy_failure(text)
    if door is not None and failure:
        raise GraderFault(Fault.PACKAGE_INDEX, f"the {door.kind.label} proxy failed during the install: {failure}")
    reason = "timed out" if done.timed_out else installed.output_tail or f"exit {done.exit_code}"
    build.unsatisfiable = f"{installed.command}: {reason}"
    return text


def _run_install(session: Session, argv: list[str], *, env: Mapping[str, str], retry_on: bytes | None) -> Completed:
    timeout = session.lab.limits.build_seconds
    done = session.box.run(argv, env=env, timeout=timeout)
    if retry_on is not None and done.exit_code != 0 and retry_on in done.stderr + done.stdout:
        log.warning("uv could not start a thread in the sandbox; retrying the install once")
        done = session.box.run(argv, env=env, timeout=timeout)
    return done


def _start_forwarder(session: Session, door: index.Door) -> Process | None:
    """Our forwarder from the box's loopback to the door, up before any learner code runs."""
    box = session.box
    proc = box.start(index.forwarder_argv(door.kind), cwd="/")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and proc.alive():
        if ("127.0.0.1", door.kind.port) in box.listening():
            return proc
        time.sleep(0.01)
    proc.kill()
    return None


def _probe_imports(session: Session, build: Build) -> None:
    """Which of the code's third-party imports the installed dependencies do not provide."""
    imports = third_party_imports(session.repo)
    build.probed_imports = len(imports)
    if not imports:
        return
    names = sorted(n for n in imports if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", n))
    probe = session.box.run([f"{VENV}/bin/python", "-I", "-c", IMPORT_PROBE, *names], cwd="/", timeout=30)
    try:
        missing = json.loads(probe.stdout.decode().strip().splitlines()[-1])
    except (ValueError, IndexError):
        missing = []
        log.warning("import probe failed: %s", tail(probe.stderr))
    build.missing_imports = {n: imports[n] for n in missing if n in imports}


def build_command(session: Session, build: Build) -> None:
    """Run the declared build command, else Django's collectstatic as Heroku's Python build does."""
    repo = session.repo
    command = None
    for name in SUBMISSION_CONTRACT_FILES:
        command = submission_build_command(repo.text(name))
        if command:
            build.command_source = f"{name} build"
            build.command_declared = True
            break
    names = {r.name.lower() for r in build.manifest.requirements}
    if command is None and repo.exists("manage.py") and "django" in names:
        command = "python manage.py collectstatic --noinput"
        build.command_source = "Django's collectstatic (as Heroku's build runs it)"
    if command is None:
        return
    env = {k: v for k, v in session.env.items() if k != "PORT"}
    done = session.box.run(shell(command), env=env, timeout=session.lab.limits.build_seconds)
    build.command = step(command, done)

"""The sandboxed build and run: one box per grade, observed only from the host.

observe() builds the declared dependencies into a fresh venv (through the caching index proxy, its door open for the
build only, or from the offline wheelhouse: labs.grading.index), runs the release command as a one-off, starts the
Procfile `web` process twice (two deploys of one build, different PORTs, one shared SQLite database given by
DATABASE_URL) plus the other process types, probes them over HTTP, sends SIGTERM during an in-flight request, and
lists the workspace. Every dynamic check then reads the RunReport (labs.grading.report);
none of them runs anything itself, so a grade costs one build and one run.

Evidence is what the host saw: exit statuses, our own HTTP probes, sockets read from /proc, byte counts of our
pipes, and the workspace listed by the sandbox's trusted command. What the learner's processes print is only
quoted in evidence, never used to decide.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import secrets
import signal
import threading
import time
from pathlib import Path

from labs.grading import deploy_secrets, index, install, languages, pythons, wheelhouse
from labs.grading.definitions import SUBMISSION_CONTRACT_FILES, Contract, Lab, submission_build_command
from labs.grading.exceptions import Fault, GraderFault
from labs.grading.manifest import Manifest, node_manifest, python_manifest, third_party_imports
from labs.grading.process_types import ProcessType
from labs.grading.repo import Repo
from labs.grading.report import (
    GRADER_DIR,
    Build,
    OtherProcess,
    RunReport,
    Shutdown,
    StateProbe,
    Step,
    WebInstance,
)

log = logging.getLogger(__name__)

VENV = "/tmp/venv"
UV = f"/wheelhouse/{wheelhouse.UV_RELATIVE}"
MiB = 1024 * 1024
DEBUG_MARKERS = (
    b"Werkzeug Debugger",
    b"Traceback (most recent call last)",
    b"you have <code>DEBUG = True</code>",
    b"DEBUG = True",
    b"Django Version:",
    b"Page not found at /",
)
# Run by the venv's interpreter with -I before any learner code has run in the box: which of the
# imported top-level modules the declared dependencies do not provide.
IMPORT_PROBE = (
    "import importlib.util,json,sys\n"
    "print(json.dumps([n for n in sys.argv[1:] if importlib.util.find_spec(n) is None]))"
)


def _tail(data: bytes, limit: int = 300) -> str:
    text = data[-4000:].decode("utf-8", errors="replace").strip()
    lines = [line for line in text.splitlines() if line.strip()]
    return " | ".join(lines[-4:])[-limit:]


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
        return _tail(data, limit)
    return " | ".join(dict.fromkeys(summary))[:limit]


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


def _free_ports(count: int) -> list[int]:
    ports: list[int] = []
    while len(ports) < count:
        port = 20000 + secrets.randbelow(40000)
        if port not in ports:
            ports.append(port)
    return ports


# uv's resolver saying the interpreter is what rules the declared versions out.


class Observer:
    def __init__(self, repo: Repo, lab: Lab, contract: Contract | None, box, report: RunReport, *, door=None) -> None:
        self.door = door  # an index.Door to the package index proxy; None: the offline wheelhouse
        self.repo = repo
        self.lab = lab
        self.contract = contract or Contract()
        self.box = box
        self.report = report
        self.env = {
            "PATH": f"{VENV}/bin:/usr/local/bin:/usr/bin:/bin",
            "VIRTUAL_ENV": VENV,
            "DATABASE_URL": report.database_url,
            "SECRET_KEY": secrets.token_urlsafe(40),
            "WEB_CONCURRENCY": "2",
            "PYTHONUNBUFFERED": "1",
        }
        # The signing keys a deploy would generate under the app's own names (DJANGO_SECRET_KEY, SESSION_SECRET).
        self.env.update(deploy_secrets.generated(repo, already=set(self.env)))

    # -- build -------------------------------------------------------------------------------------

    # uv aborts now and then when the kernel refuses it a thread ("Resource temporarily unavailable"): that is our
    # sandbox's limit, not the learner's manifest, so the install gets one more try before it counts.
    TRANSIENT_INSTALL_ERROR = b"Resource temporarily unavailable"

    def _install(self, argv: list[str]):
        env = {
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
        if self.door is not None:
            # The proxy sends a file once it has it all from the upstream: a large first download waits.
            env["UV_HTTP_TIMEOUT"] = "120"
            # For build scripts of the learner's that call pip themselves.
            env["PIP_INDEX_URL"] = index.BOX_URL
        for attempt in range(2):
            done = self.box.run(argv, env=env, timeout=self.lab.limits.build_seconds)
            if done.exit_code == 0 or self.TRANSIENT_INSTALL_ERROR not in done.stderr + done.stdout or attempt:
                return done
            log.warning("uv could not start a thread in the sandbox; retrying the install once")
        return done

    def _plan(self, manifest: Manifest) -> install.Plan:
        if self.door is not None:
            return install.plan(self.repo, manifest)
        rel = manifest.install_from
        return install.Plan(
            requirements=rel,
            shown=f"uv pip install -r {rel}" if rel else "no dependencies declared",
            problem=manifest.problem,
            refused=manifest.refused,
        )

    def _start_forwarder(self):
        """Our forwarder from the box's loopback to the door, up before any learner code runs."""
        proc = self.box.start(index.forwarder_argv(self.door.kind), cwd="/")
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and proc.alive():
            if ("127.0.0.1", self.door.kind.port) in self.box.listening():
                return proc
            time.sleep(0.01)
        proc.kill()
        return None

    def build(self) -> Build:
        if not self.repo.is_python:
            return self.build_node()
        manifest = python_manifest(self.repo)
        build = Build(manifest=manifest, python=pythons.choose(self.repo))
        build.source = "package index" if self.door is not None else "offline wheelhouse"
        self.report.build = build
        plan = self._plan(manifest)
        if plan.refused or plan.problem:
            build.refused = plan.refused
            build.unsatisfiable = plan.refused or plan.problem
            return build
        gaps = wheelhouse.lacks(wheelhouse.locate(), manifest.requirements) if self.door is None else []
        if gaps:
            raise GraderFault(
                Fault.PACKAGE_INDEX,
                f"the grader's offline package set has no {', '.join(gaps[:6])} (declared in {manifest.file})",
            )
        for path, text in plan.files.items():  # written by our command, before any learner code runs
            write = ["/bin/sh", "-c", 'mkdir -p "${1%/*}" && cat > "$1"', "write", path]
            self.box.run(write, stdin=text.encode(), timeout=10)
        script = [
            f"rm -rf /workspace/{GRADER_DIR} && mkdir -p /workspace/{GRADER_DIR}",
            # --clear: a retried install (see _install) starts from a fresh venv, not the half-built one.
            f"{UV} venv --quiet --offline --no-config --clear --python {build.python.path} {VENV}",
        ]
        if plan.requirements and self.door is not None:
            script.append(
                f"{UV} pip install --quiet --no-config --no-sources --index-url {index.BOX_URL} "
                f'--python {VENV}/bin/python -r "$1"' + (' -c "$2"' if plan.constraints else "")
            )
        elif plan.requirements:
            script.append(
                f"{UV} pip install --quiet --offline --no-config --no-index --find-links /wheelhouse "
                f'--no-build --python {VENV}/bin/python -r "$1"'
            )
        argv = ["sh", "-ec", " && ".join(script), "build", plan.requirements or "", plan.constraints or ""]
        forwarder = None
        if plan.requirements and self.door is not None:
            forwarder = self._start_forwarder()
            if forwarder is None:
                raise GraderFault(Fault.PACKAGE_INDEX, "the package index forwarder did not start in the sandbox")
        done = self._install(argv)
        if forwarder is not None:
            forwarder.kill()
        output = done.stderr + done.stdout
        build.step = Step(plan.shown, done.exit_code, done.duration, done.timed_out, install_failure(output))
        if not build.step.ok:
            text = output.decode("utf-8", "replace")
            failure = index.proxy_failure(text)
            if self.door is not None and failure:
                raise GraderFault(Fault.PACKAGE_INDEX, f"the package index proxy failed during the install: {failure}")
            reason = "timed out" if done.timed_out else build.step.output_tail or f"exit {done.exit_code}"
            build.unsatisfiable = f"{build.step.command}: {reason}"
            if needed := pythons.needed_by_install(text):
                # Like Go or Ruby without a toolchain: the grader cannot run it here. Retrying would not help, and it
                # is no failed install of the learner's: the static checks stand, the grade cannot pass.
                self.report.not_runnable = pythons.not_available(build.python, needed)
            return build
        imports = third_party_imports(self.repo)
        build.probed_imports = len(imports)
        if imports:
            names = sorted(n for n in imports if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", n))
            probe = self.box.run([f"{VENV}/bin/python", "-I", "-c", IMPORT_PROBE, *names], cwd="/", timeout=30)
            try:
                missing = json.loads(probe.stdout.decode().strip().splitlines()[-1])
            except (ValueError, IndexError):
                missing = []
                log.warning("import probe failed: %s", _tail(probe.stderr))
            build.missing_imports = {n: imports[n] for n in missing if n in imports}
        self.build_command(build)
        return build

    def build_node(self) -> Build:
        """npm installs what package.json declares, from the npm registry proxy, in the box (scripts included: they
        run there only). Offline there is no npm registry: a Node app that needs packages gets static checks only."""
        package, _ = node_manifest(self.repo)
        build = Build(manifest=Manifest(file="package.json"), source="npm registry")
        self.report.build = build
        deps = (package or {}).get("dependencies") or {}
        if deps and self.door is None:
            self.report.not_runnable = (
                f"package.json declares {len(deps)} dependencies and this grader has no npm registry to install "
                "them from (GRADER_NPM_URL=offline), so the Node service was not run"
            )
            return build
        plan = install.npm_plan(self.repo, package or {}) if deps else install.Plan(shown="no Node packages to install")
        if plan.refused:
            build.refused = build.unsatisfiable = plan.refused
            return build
        script = f"rm -rf /workspace/{GRADER_DIR} && mkdir -p /workspace/{GRADER_DIR}"
        forwarder = None
        if plan.requirements:
            verb = "ci" if plan.requirements != "package.json" else "install --no-package-lock"
            script += (
                f" && npm {verb} --no-audit --no-fund --no-update-notifier --registry={index.NPM.box_url} "
                "--replace-registry-host=always --maxsockets=4 --cache=/tmp/npm-cache"
            )
            forwarder = self._start_forwarder()
            if forwarder is None:
                raise GraderFault(Fault.PACKAGE_INDEX, "the npm registry forwarder did not start in the sandbox")
        done = self.box.run(
            ["sh", "-c", script], env={"npm_config_loglevel": "error"}, timeout=self.lab.limits.build_seconds
        )
        if forwarder is not None:
            forwarder.kill()
        output = done.stderr + done.stdout
        build.step = Step(plan.shown, done.exit_code, done.duration, done.timed_out, install_failure(output))
        if not build.step.ok:
            failure = index.proxy_failure(output.decode("utf-8", "replace"))
            if failure:
                raise GraderFault(Fault.PACKAGE_INDEX, f"the npm registry proxy failed during the install: {failure}")
            reason = "timed out" if done.timed_out else build.step.output_tail or f"exit {done.exit_code}"
            build.unsatisfiable = f"{build.step.command}: {reason}"
            return build
        self.build_command(build)
        return build

    def web_entry(self) -> ProcessType | None:
        """The web process, declared in any descriptor or inferred as a platform would (`npm start`...)."""
        return self.repo.process_types.web

    def build_command(self, build: Build) -> None:
        """Run the declared build command, else Django's collectstatic as Heroku's Python build does."""
        command = None
        for name in SUBMISSION_CONTRACT_FILES:
            command = submission_build_command(self.repo.text(name))
            if command:
                build.command_source = f"{name} build"
                build.command_declared = True
                break
        names = {r.name.lower() for r in build.manifest.requirements}
        if command is None and self.repo.exists("manage.py") and "django" in names:
            command = "python manage.py collectstatic --noinput"
            build.command_source = "Django's collectstatic (as Heroku's build runs it)"
        if command is None:
            return
        env = {k: v for k, v in self.env.items() if k != "PORT"}
        done = self.box.run(shell(command), env=env, timeout=self.lab.limits.build_seconds)
        build.command = Step(command, done.exit_code, done.duration, done.timed_out, _tail(done.stderr + done.stdout))

    # -- release / admin -------------------------------------------------------------------------
    def release(self) -> None:
        types = self.repo.process_types
        entry = types.release or next(iter(types.role("job")), None)
        if entry is not None:
            command, run_argv = entry.command, argv(entry)
            self.report.release_source = f"{entry.cite} {entry.name}"
        elif self.repo.exists("manage.py"):
            command = "python manage.py migrate --noinput"
            run_argv = shell(command)
            self.report.release_source = "admin command"
        else:
            return
        done = self.box.run(run_argv, env=self.env, timeout=self.lab.limits.release_seconds)
        self.report.release = Step(
            command, done.exit_code, done.duration, done.timed_out, _tail(done.stderr + done.stdout)
        )

    # -- run -------------------------------------------------------------------------------------
    def listing(self) -> dict[str, int]:
        return {e.path: e.size for e in self.box.files() if not e.is_dir}

    def wait_ready(self, proc, instance: WebInstance, deadline: float) -> None:
        path = self.contract.health.path
        last_error = ""
        while time.monotonic() < deadline:
            if not proc.alive():
                instance.failure = f"exited with status {proc.returncode} before answering"
                return
            if any(port == instance.port for _, port in self.box.listening()):
                try:
                    result = self.box.http(instance.port, path, timeout=max(0.5, min(3.0, deadline - time.monotonic())))
                except Exception as exc:  # ProbeError: not ready yet
                    log.debug("not ready: %s", exc)
                    last_error = str(exc)
                else:
                    if result.truncated:
                        # Content-Length: 10**12, or a body that never ends: no client would ever see a page.
                        instance.failure = f"the response to GET {path} never completed (still sending after 1 MiB)"
                        return
                    instance.ready_after = time.monotonic() - proc.started_at
                    instance.first_status = result.status
                    return
            time.sleep(0.03)
        if "no complete response" in last_error:
            instance.failure = f"the response to GET {path} never completed: {last_error}"
        else:
            instance.failure = f"no HTTP answer on PORT={instance.port} within {self.lab.limits.start_seconds:.0f} s"
            # What it listens on instead (a fixed port): read from the box's sockets, not from what it printed.
            ours = {other.port for other in self.report.web_instances} | {instance.port}
            elsewhere = sorted({f"{addr}:{port}" for addr, port in self.box.listening() if port not in ours})
            if elsewhere:
                instance.failure += f", but it listens on {', '.join(elsewhere[:3])} instead"

    # A service that answers once and then dies would look healthy to a single probe: each deploy must still be
    # running this long after it started before its probes count.
    MIN_LIFETIME = 2.0

    def _check_alive(self, procs, instances) -> None:
        oldest = min(proc.started_at for proc in procs)
        remaining = self.MIN_LIFETIME - (time.monotonic() - oldest)
        if remaining > 0:
            time.sleep(remaining)
        for proc, instance in zip(procs, instances, strict=True):
            if instance.answered and not proc.alive():
                age = time.monotonic() - proc.started_at
                instance.died = f"exited with status {proc.returncode} within {age:.1f} s of starting"
                instance.output_tail = _tail(proc.stderr() + proc.stdout())

    def run(self) -> None:
        web = self.web_entry()
        self.report.files_before_web = self.listing()
        others = [e for e in self.repo.process_types.long_running if e is not web][:3]
        started_others = [(e, self.box.start(argv(e), env=self.env)) for e in others]
        if web is None:
            self._check_others(started_others, min_age=1.0)
            return
        self.report.web_command = web.command
        instances = [WebInstance("A", port) for port in _free_ports(2)]
        procs = []
        for instance in instances:
            procs.append(self.box.start(argv(web), env={**self.env, "PORT": str(instance.port)}))
            instance.started = True
        self.report.web_instances = instances
        deadline = time.monotonic() + self.lab.limits.start_seconds
        instances[1].label = "B"
        for proc, instance in zip(procs, instances, strict=True):
            self.wait_ready(proc, instance, deadline)
        sockets = self.box.listening()
        for proc, instance in zip(procs, instances, strict=True):
            instance.listening = [(a, p) for a, p in sockets]
            if not instance.answered:
                instance.output_tail = _tail(proc.stderr() + proc.stdout())
        a_proc, b_proc = procs
        a, b = instances
        if b.answered:
            self._probe_b(b_proc, b, a if a.answered else None)
        self._check_alive(procs, instances)
        if a.answered:
            self._shutdown(a_proc, a)
        self._check_others(started_others, min_age=1.0)
        for proc in (b_proc, a_proc):
            if proc.alive():
                proc.signal(signal.SIGTERM)
        for proc in (b_proc, a_proc):
            if proc.wait(5) is None:
                proc.kill()

    def _http(self, port: int, path: str, **kwargs):
        self.report.requests_served += 1
        return self.box.http(port, path, timeout=kwargs.pop("timeout", 5.0), **kwargs)

    def _probe_b(self, proc, b: WebInstance, a: WebInstance | None) -> None:
        before = len(proc.stdout()) + len(proc.stderr())
        missing = f"/grader-missing-{secrets.token_hex(4)}"
        try:
            result = self._http(b.port, missing)
            self.report.debug_probe = (result.status, any(m in result.body for m in DEBUG_MARKERS))
        except Exception as exc:
            log.info("debug probe failed: %s", exc)
        contract = self.contract
        if a is not None and contract.state_write and contract.state_read:
            self.report.state = self._state(a, b)
        else:
            for _ in range(2):
                try:
                    self._http(b.port, contract.health.path)
                except Exception as exc:
                    log.info("probe failed: %s", exc)
        time.sleep(0.15)  # let the access log line reach the pipe
        self.report.output_growth = len(proc.stdout()) + len(proc.stderr()) - before

    def _state(self, a: WebInstance, b: WebInstance) -> StateProbe:
        contract = self.contract
        probe = StateProbe(nonce=secrets.token_hex(8))
        write, read = contract.state_write, contract.state_read
        sep = "&" if "?" in write.path else "?"
        try:
            probe.reads.append(self._read(b.port, read))
            result = self._http(
                a.port,
                f"{write.path}{sep}value={probe.nonce}",
                method=write.method,
                body=json.dumps({"value": probe.nonce}).encode(),
                headers={"Content-Type": "application/json"},
            )
            probe.write_status = result.status
            probe.reads.append(self._read(b.port, read))
            probe.reads.append(self._read(b.port, read))
        except Exception as exc:
            probe.error = str(exc)[:200]
        return probe

    def _read(self, port: int, endpoint) -> tuple[int, bytes]:
        result = self._http(port, endpoint.path, method=endpoint.method)
        return result.status, result.body[:4096]

    # Without a slow path, the request in flight at SIGTERM is one still arriving: its headers end this late.
    ARRIVING_FOR = 1.0

    def _shutdown(self, proc, a: WebInstance) -> None:
        slow = self.contract.slow
        method, path = (slow.method, slow.path) if slow else ("GET", self.contract.health.path)
        arriving_for = 0.0 if slow else self.ARRIVING_FOR
        timeout = (self.contract.slow_seconds if slow else arriving_for) + 12
        shutdown = Shutdown(f"{method} {path}", arriving=slow is None)
        self.report.shutdown = shutdown
        sent_at = time.monotonic()

        def request() -> None:
            try:
                result = self.box.http(a.port, path, method=method, timeout=timeout, arriving_for=arriving_for)
                shutdown.response_status = result.status
            except Exception as exc:
                shutdown.response_error = str(exc)[:200] or type(exc).__name__
            shutdown.response_elapsed = time.monotonic() - sent_at

        worker = threading.Thread(target=request, daemon=True)
        worker.start()
        time.sleep(0.3 if slow is None else min(0.3, self.contract.slow_seconds / 3))
        signalled = time.monotonic()
        shutdown.signal_after = signalled - sent_at
        proc.signal(signal.SIGTERM)
        shutdown.exit_code = proc.wait(10)
        if shutdown.exit_code is not None:
            shutdown.exit_after = time.monotonic() - signalled
            shutdown.port_still_open = any(port == a.port for _, port in self.box.listening())
        else:
            proc.kill()
        worker.join(timeout + 1)

    def _check_others(self, started, *, min_age: float) -> None:
        for entry, proc in started:
            age = time.monotonic() - proc.started_at
            if age < min_age:
                time.sleep(min_age - age)
            other = OtherProcess(entry.name)
            if proc.alive():
                other.alive_after = time.monotonic() - proc.started_at
                proc.signal(signal.SIGTERM)
                if proc.wait(3) is None:
                    proc.kill()
            else:
                other.exit_code = proc.returncode
            self.report.others.append(other)


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
    needs_registry = repo.is_python or bool((node_manifest(repo)[0] or {}).get("dependencies"))
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
            observer = Observer(repo, lab, contract, box, report, door=door)
            build = observer.build()
            if door is not None:
                door.close()  # the release and the run have no way out
            lap("build")
            if build.unsatisfiable or report.not_runnable:
                return report
            report.files_at_start = set(observer.listing())  # before any learner code has run
            lap("list")
            observer.release()
            lap("release")
            observer.run()
            lap("run")
            report.files_after = observer.listing()
            lap("list-after")
        lap("close")
        log.info("sandboxed run timings: %s", report.timings)
    except SandboxError as exc:
        log.warning("sandbox failed: %s", exc)
        raise GraderFault(Fault.SANDBOX, str(exc)) from exc
    return report

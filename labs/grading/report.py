"""What the host saw of one sandboxed build and run (labs.grading.observe observes it): the RunReport every dynamic
check reads, and the records it is made of. Plain data, so a check can be tested with a report built by hand."""

from __future__ import annotations

from dataclasses import dataclass, field

from labs.grading.manifest import Manifest
from labs.grading.pythons import Choice
from labs.grading.verdict import Verdict, failed, skipped

GRADER_DIR = ".grader"  # the grader's own folder in the workspace (its venv list, the state database)
STATE_DB = f"/workspace/{GRADER_DIR}/state.db"
ALL_INTERFACES = ("0.0.0.0", "::", "[::]", "*")


def _ours(path: str) -> bool:
    """A path of the grader's own folder, not something the learner's code wrote."""
    return path == GRADER_DIR or path.startswith(GRADER_DIR + "/")


@dataclass
class Step:
    """A one-off command we ran in the box."""

    command: str
    exit_code: int | None
    duration: float
    timed_out: bool
    output_tail: str = ""

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out


@dataclass
class Build:
    manifest: Manifest
    step: Step | None = None
    unsatisfiable: str | None = None  # why the declared dependencies cannot be installed (an error)
    refused: str | None = None  # a dependency by path or URL, never installed: the learner's to fix (a fail)
    python: Choice | None = None  # the interpreter built on, and whether it is the one asked for
    source: str = "offline wheelhouse"  # where the packages came from: the offline wheelhouse or the index proxy
    missing_imports: dict[str, tuple[str, int]] = field(default_factory=dict)
    probed_imports: int = 0
    command: Step | None = None  # the build command after the install (collectstatic...), if any
    command_source: str = ""
    command_declared: bool = False  # the repository's own build command, not the platform default we ran


@dataclass
class WebInstance:
    label: str
    port: int
    started: bool = False
    ready_after: float | None = None  # seconds from start to the first HTTP response
    first_status: int | None = None
    failure: str | None = None  # why it never answered
    died: str | None = None  # how it ended while we were still probing it ("exited with status 1 1.6 s after start")
    listening: list[tuple[str, int]] = field(default_factory=list)
    output_tail: str = ""

    @property
    def answered(self) -> bool:
        return self.ready_after is not None

    @property
    def on_port(self) -> list[str]:
        return [addr for addr, port in self.listening if port == self.port]

    @property
    def listening_on_port(self) -> bool:
        return bool(self.on_port)

    @property
    def listen_address(self) -> str:
        addr = next((a for a in self.on_port if a in ALL_INTERFACES), self.on_port[0] if self.on_port else "")
        return f"[{addr}]:{self.port}" if ":" in addr else f"{addr}:{self.port}"

    @property
    def all_interfaces(self) -> bool:
        return any(a in ALL_INTERFACES for a in self.on_port)


@dataclass
class Shutdown:
    # The request in flight at SIGTERM: the contract's slow path, or (without one) a request to the health path
    # whose headers are still arriving, which a server that drains what it has accepted still answers.
    path: str
    arriving: bool = False
    signal_after: float = 0.0  # seconds from sending the request to sending SIGTERM
    response_status: int | None = None
    response_error: str | None = None
    response_elapsed: float | None = None
    exit_code: int | None = None
    exit_after: float | None = None  # seconds from SIGTERM to exit; None = still running after the limit
    # The port still listening after the signalled process exited: it was a wrapper (a shell without `exec`) and
    # the real server, orphaned, never saw the signal.
    port_still_open: bool = False


@dataclass
class StateProbe:
    write_status: int | None = None
    reads: list[tuple[int, bytes]] = field(default_factory=list)  # via the second deploy: before, after, again
    nonce: str = ""
    error: str | None = None


@dataclass
class OtherProcess:
    name: str
    alive_after: float | None = None  # seconds it had been running when we checked, if alive
    exit_code: int | None = None
    exited_after: float | None = None


@dataclass
class RunReport:
    """What the host saw of one sandboxed build and run. The grader's own failures never land here: observe()
    raises GraderFault for them, so every verdict drawn from a report is about the learner's service."""

    not_runnable: str | None = None  # why the dynamic checks do not apply (no Python or Node service to run)
    build: Build | None = None
    release: Step | None = None
    release_source: str = ""  # "Procfile release" or the admin command we chose
    web_command: str | None = None
    web_instances: list[WebInstance] = field(default_factory=list)
    requests_served: int = 0
    output_growth: int | None = None  # bytes written to stdout+stderr by deploy B while serving our requests
    debug_probe: tuple[int, bool] | None = None  # (status, debug page shown) for a path that does not exist
    state: StateProbe | None = None
    shutdown: Shutdown | None = None
    others: list[OtherProcess] = field(default_factory=list)
    files_at_start: set[str] = field(default_factory=set)
    files_before_web: dict[str, int] | None = None
    files_after: dict[str, int] | None = None
    database_url: str = f"sqlite:///{STATE_DB}"
    timings: dict[str, float] = field(default_factory=dict)  # seconds per phase, for the benchmark and logs

    def blocked(self, need: str = "web") -> Verdict | None:
        """The verdict for a check that needs `need` ("build" or "web") when the learner's service did not get
        that far: a fail counted in the maximum, or a skip when there is no service we can run at all."""
        if self.not_runnable:
            return skipped(self.not_runnable)
        if self.build and self.build.unsatisfiable:
            return failed(f"blocked: the declared dependencies did not install: {self.build.unsatisfiable}")
        if need == "build":
            return None
        if not self.web_command:
            return failed("blocked: no web process declared or inferred, so nothing could be started")
        first = self.web_instances[0] if self.web_instances else None
        if first is None or not first.answered:
            why = first.failure if first else "it was not started"
            port = f"PORT={first.port}" if first else "$PORT"
            # What stopped it (the exception, not the server's last words), so each check it blocks says why.
            said = f"; its output says: {first.output_tail[:200]}" if first and first.output_tail else ""
            return failed(f"blocked: the web process never answered on {port} ({why}){said}")
        if first.died is not None:
            return failed(f"blocked: the web process {first.died} while we were still probing it")
        return None

    @property
    def new_files(self) -> dict[str, int]:
        after = self.files_after or {}
        return {p: s for p, s in after.items() if p not in self.files_at_start and not _ours(p)}

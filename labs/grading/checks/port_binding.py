"""Factor VII, Port binding: the app is self-contained and serves HTTP on the port in $PORT."""

from __future__ import annotations

import ast
import re

from labs.grading import languages, pysource
from labs.grading.checks import DynamicContext, StaticContext, check
from labs.grading.process_types import ProcessType
from labs.grading.repo import where
from labs.grading.verdict import Verdict, failed, passed, skipped

# A service that never answers cannot show most factors: the checks that read its code were not confirmed by
# running it, so its score is held to this whatever they found.
UNSERVED_SCORE_CAP = 40
PORT_RE = re.compile(r"\$\{?PORT\b")
LITERAL_PORT_RE = re.compile(r"(--port[= ]|-p\s|--bind[= ]|-b\s)\S*?\b(\d{2,5})\b")


@check(
    "port-binding.reads-port",
    factor=7,
    kind="static",
    title="The web process binds the port given in $PORT",
    advice="Bind to the port in the PORT environment variable (gunicorn -b 0.0.0.0:$PORT, "
    'process.env.PORT, os.Getenv("PORT"), ENV.fetch("PORT")), never a fixed port.',
    anchor="read-the-port-bind-every-interface",
)
def reads_port(ctx: StaticContext) -> Verdict:
    repo = ctx.repo
    web = repo.process_types.web
    from_command = _port_in_command(web) if web is not None else None
    # A declared command is the learner's own word; an inferred one is ours, so the code speaks first.
    if web is not None and from_command is not None and web.declared:
        return from_command
    # The app's own code is the evidence; a test or its setup reading PORT (to reach the server) only if nothing else.
    for rel, tree in sorted(repo.python_trees(), key=lambda item: repo.is_test(item[0])):
        for node in ast.walk(tree):
            if isinstance(node, ast.expr) and pysource.env_read_name(node) == "PORT":
                return passed(f"{where(rel, node.lineno)} reads PORT from the environment")
    hits = sorted(languages.find(repo, "reads_port"), key=lambda hit: repo.is_test(hit.file))
    if hits:
        return passed(hits[0].evidence("reads_port"))
    if from_command is not None:
        return from_command
    if web is None and not repo.is_python and not languages.present(repo):
        return skipped("no web process and no code to check")
    if web is not None and not web.declared:
        return failed(f"nothing in the repository reads PORT: {web.evidence} passes it only as the grader wrote it")
    return failed("nothing reads PORT: not the web process's command, nor the code")


def _port_in_command(web: ProcessType) -> Verdict | None:
    if any(PORT_RE.search(arg) for arg in web.unexpanded):
        return failed(f"{web.evidence}: the exec form runs without a shell, so the server gets the literal text $PORT")
    # An inferred command is ours, $PORT included: only the package.json script it starts is the learner's word.
    own = web.runs if web.declared else web.script
    if PORT_RE.search(own):
        return passed(f"{web.evidence} passes $PORT")
    literal = LITERAL_PORT_RE.search(own)
    if literal:
        return failed(f"{web.evidence} binds a fixed port ({literal.group(0).strip()})")
    if re.search(r"\bgunicorn\b", web.runs) and not re.search(r"(-c|--config)\b", web.runs):
        return passed(f"{web.evidence}: gunicorn binds 0.0.0.0:$PORT when PORT is set")
    return None


@check(
    "port-binding.answers-http",
    factor=7,
    kind="dynamic",
    title="The web process answers HTTP on $PORT",
    advice="Start an HTTP server in the web process itself (gunicorn, uvicorn) on $PORT; the platform "
    "routes requests to that port.",
    anchor="declare-the-server-start-it-from-the-procfile",
    gate=True,
    cap=UNSERVED_SCORE_CAP,
)
def answers_http(ctx: DynamicContext) -> Verdict:
    run = ctx.run
    blocked = run.blocked("build")
    if blocked:
        return blocked
    if not run.web_command:
        return failed("no web process declared or inferred, so nothing could be started")
    a = run.web_instances[0]
    if not a.answered:
        tail = f"; its output says: {a.output_tail}" if a.output_tail else ""
        return failed(f"`{run.web_command[:200]}` with PORT={a.port}: {a.failure}{tail}")
    if a.died:
        tail = f"; its output says: {a.output_tail}" if a.output_tail else ""
        return failed(f"`{run.web_command[:200]}` answered, then {a.died}{tail}")
    health = ctx.contract.health.path if ctx.contract else "/"
    assert a.first_status is not None  # recorded with the answer
    if a.first_status >= 500:
        return failed(f"GET {health} on PORT={a.port} answered {a.first_status}")
    return passed(f"GET {health} on PORT={a.port} answered {a.first_status} after {a.ready_after:.2f} s")


@check(
    "port-binding.all-interfaces",
    factor=7,
    kind="dynamic",
    title="The server listens on all interfaces",
    advice="Bind 0.0.0.0 (or ::), not 127.0.0.1: the router reaches the process from outside its host.",
    anchor="read-the-port-bind-every-interface",
)
def all_interfaces(ctx: DynamicContext) -> Verdict:
    blocked = ctx.run.blocked("web")
    if blocked:
        return blocked
    a = ctx.run.web_instances[0]
    if not a.listening_on_port:
        return failed(f"no socket listening on PORT={a.port} (seen: {a.listening[:4]})")
    if a.all_interfaces:
        return passed(f"listening on {a.listen_address} (read from /proc/net/tcp*)")
    return failed(f"listening on {a.listen_address} only: unreachable from outside the host")

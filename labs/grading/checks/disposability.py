"""Factor IX, Disposability: fast start-up, graceful shutdown on SIGTERM."""

from __future__ import annotations

import ast
import re

from labs.grading import languages, pysource
from labs.grading.checks import DynamicContext, StaticContext, check
from labs.grading.repo import where
from labs.grading.report import Shutdown
from labs.grading.verdict import Verdict, failed, passed, skipped, warned

DRAINING_SERVERS = re.compile(r"\b(gunicorn|uvicorn|hypercorn|daphne|waitress-serve|granian|node|bun|deno)\b")
# `flask run` with its options before the command too (`flask --app web:app run`, the form Flask's docs use now).
DEV_SERVERS = re.compile(
    r"\b(runserver|flask(?:\s+--?[\w-]+(?:[= ](?!run\b)[^\s-]\S*)?)*\s+run|nodemon|webpack-dev-server)\b"
    r"|(?<!\S)(-m\s+flask|--reload)\b"
)
START_PASS, START_WARN = 5.0, 15.0
SHUTDOWN_LIMIT = 10.0
CLEAN_EXITS = (0, 143, -15)


@check(
    "disposability.handles-sigterm",
    factor=9,
    kind="static",
    title="The web server shuts down gracefully on SIGTERM",
    advice="Serve with a server that drains in-flight requests on SIGTERM (gunicorn, uvicorn), or handle "
    "SIGTERM yourself: stop accepting, finish what is running, exit.",
    anchor="handling-sigterm-in-code",
)
def handles_sigterm(ctx: StaticContext) -> Verdict:
    repo = ctx.repo
    web = repo.process_types.web
    if web is not None:
        dev = DEV_SERVERS.search(web.runs)
        if dev:
            return failed(f"{web.evidence}: `{dev.group(0)}` is a development server that drops requests on SIGTERM")
        if re.search(r"--graceful-timeout[= ]0\b", web.runs):
            return failed(f"{web.evidence}: --graceful-timeout 0 leaves no time to drain")
        server = DRAINING_SERVERS.search(web.runs)
        if server and server.group(1) not in ("node", "bun", "deno"):
            return passed(f"{web.evidence}: {server.group(1)} drains requests on SIGTERM")
        ruby = languages.ruby_server(repo, web.runs)
        if ruby is not None:
            drains, name = ruby
            if drains:
                return passed(f"{web.evidence}: {name} drains requests on SIGTERM")
            return failed(f"{web.evidence}: {name} stops at once on SIGTERM (it drains on QUIT only)")
    for rel, tree in repo.python_trees():
        for node in ast.walk(tree):
            handler = isinstance(node, ast.Call) and pysource.dotted(node.func) in (
                "signal.signal",
                "loop.add_signal_handler",
            )
            if handler and isinstance(node, ast.Call) and node.args and "SIGTERM" in ast.unparse(node.args[0]):
                action = ast.unparse(node.args[1]) if len(node.args) > 1 else ""
                if action.endswith(("SIG_IGN", "SIG_DFL")):
                    # Ignoring SIGTERM is the opposite of draining: the platform waits, then SIGKILLs.
                    return failed(f"{where(rel, node.lineno)} sets SIGTERM to {action.rsplit('.', 1)[-1]}")
                return passed(f"{where(rel, node.lineno)} installs a SIGTERM handler")
    handlers = languages.find(repo, "sigterm")
    if handlers:
        hit = handlers[0]
        if not languages.find(repo, "drains", (hit.language,)):
            drain = hit.language.idioms["drains"][1]
            return warned(f"{hit.evidence('sigterm')}, but nothing calls {drain}: in-flight requests are cut")
        return passed(hit.evidence("sigterm"))
    present = [lang for lang in languages.present(repo) if not repo.is_python]
    if present:
        return failed(f"no SIGTERM handler in the {present[0].name} code: {present[0].on_sigterm}")
    if web is not None:
        return failed(f"{web.evidence} is not known to drain on SIGTERM, and the code installs no SIGTERM handler")
    return failed("no web process declared and no SIGTERM handler in the code")


@check(
    "disposability.fast-startup",
    factor=9,
    kind="dynamic",
    title="The web process is ready within seconds",
    advice="Start fast: do heavy work (migrations, asset builds, warm-ups) in the build or release, not "
    "at start-up. Ready within 5 s passes, within 15 s warns.",
    anchor="start-fast",
)
def fast_startup(ctx: DynamicContext) -> Verdict:
    run = ctx.run
    blocked = run.blocked("web")
    if blocked:
        return blocked
    ready_after = run.web_instances[0].ready_after
    assert ready_after is not None  # blocked() answers for a deploy that never answered
    measured = f"first HTTP response {ready_after:.2f} s after start (two deploys started together)"
    if ready_after <= START_PASS:
        return passed(measured)
    if ready_after <= START_WARN:
        return warned(measured + f"; over {START_PASS:.0f} s")
    return failed(measured + f"; over {START_WARN:.0f} s")


@check(
    "disposability.graceful-shutdown",
    factor=9,
    kind="dynamic",
    title="SIGTERM lets the in-flight request finish, then the process exits",
    advice="On SIGTERM stop accepting new requests, finish the ones in flight and exit 0 within 10 s "
    "(gunicorn does this; give it a --graceful-timeout longer than your slowest request).",
    anchor="shut-down-gracefully",
)
def graceful_shutdown(ctx: DynamicContext) -> Verdict:
    blocked = ctx.run.blocked("web")
    if blocked:
        return blocked
    shutdown = ctx.run.shutdown
    if shutdown is None:
        return skipped("the shutdown test did not run")
    exit_text = (
        f"exit status {shutdown.exit_code} {shutdown.exit_after:.2f} s after SIGTERM"
        if shutdown.exit_after is not None
        else f"still running {SHUTDOWN_LIMIT:.0f} s after SIGTERM (killed)"
    )
    if shutdown.exit_code is None:
        return failed(exit_text)
    if shutdown.exit_code not in CLEAN_EXITS:
        return failed(exit_text + " (expected 0 or 143)")
    if shutdown.port_still_open:
        return failed(
            f"{exit_text}, yet the port was still served afterwards: the web command's process exited without "
            "passing SIGTERM to the server (start it with `exec` or without a wrapper)"
        )
    request = shutdown.path
    if shutdown.response_status is None:
        if shutdown.arriving:
            return _arriving_dropped(ctx, shutdown, exit_text)
        return failed(
            f"SIGTERM {shutdown.signal_after:.2f} s into {request}: the request was dropped "
            f"({shutdown.response_error}); {exit_text}"
        )
    if shutdown.response_elapsed is not None and shutdown.response_elapsed < shutdown.signal_after:
        return warned(f"{request} answered before SIGTERM was sent, so only an idle shutdown was seen; {exit_text}")
    if shutdown.response_status >= 500:
        return failed(f"{request} in flight at SIGTERM answered {shutdown.response_status}; {exit_text}")
    what = "after a client began sending" if shutdown.arriving else "into"
    return passed(
        f"SIGTERM {shutdown.signal_after:.2f} s {what} {request}: it still answered "
        f"{shutdown.response_status} after {shutdown.response_elapsed:.2f} s; {exit_text}"
    )


def _arriving_dropped(ctx: DynamicContext, shutdown: Shutdown, exit_text: str) -> Verdict:
    """A request still arriving at SIGTERM was dropped. A server that drains closes such a connection too (no
    request is in progress on it yet; uvicorn does), and so does one that dies at once: what the web process is
    known to do on SIGTERM (handles-sigterm) tells the two apart."""
    seen = (
        f"SIGTERM {shutdown.signal_after:.2f} s after a client began sending {shutdown.path}: the connection was "
        f"closed before a request was in progress ({shutdown.response_error}); {exit_text}"
    )
    stronger = "declare `contract: {slow: {path: ...}}` in .twelve-factor.yml to test a request in progress"
    known = handles_sigterm(ctx)
    if known.status == "pass":
        return passed(f"{seen}, as a server that drains does ({known.evidence}); {stronger}")
    if known.status == "fail":
        return failed(f"{seen}, and nothing drains the requests in flight: {known.evidence}")
    return warned(f"{seen}. Only a request still arriving was tested: {stronger}")

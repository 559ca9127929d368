"""The caching package index the grader's sandboxed builds install from: the Procfile's `index` process.

`python -m labs.grading.index_proxy` serves proxpi (https://github.com/EpicWink/proxpi), a caching mirror of
GRADER_INDEX_URL (PyPI's simple index by default), on the unix socket GRADER_INDEX_SOCKET, with its files cached in
GRADER_INDEX_CACHE and its index pages trusted for GRADER_INDEX_TTL seconds. A second grade of the same lock then
asks the upstream for nothing. Each upstream request is logged as one JSON line ("upstream request").

The boxes reach this socket only through labs.grading.index (a door per box, open during the build), so the app
here answers package downloads and nothing else: GET or HEAD of a project's page or of one of its files. proxpi's
project list, cache-invalidation and home routes are not served, and a download proxpi could not finish in time
(which it answers with a redirect to the upstream, unreachable from a box) is a 502: the proxy's failure, not the
learner's. A 304 to an installer's conditional request (uv revalidates what it cached) is an answer, passed on.
With GRADER_INDEX_URL=offline the process only waits for SIGTERM, so `honcho start` keeps running.
"""

from __future__ import annotations

import logging
import logging.config
import os
import re
import signal
import sys
from collections.abc import Callable, Iterable, KeysView
from typing import TYPE_CHECKING, NoReturn

from labs.grading import index
from labs.sandbox.priority import lower_this_process
from labs.sandbox.settings import SandboxSettings

if TYPE_CHECKING:
    from wsgiref.types import StartResponse, WSGIApplication, WSGIEnvironment

    from _typeshed import OptExcInfo
    from requests import Response

log = logging.getLogger("labs.grading.index_proxy")

PROJECT_RE = re.compile(r"^/index/[A-Za-z0-9._-]{1,200}/$")
FILE_RE = re.compile(r"^/index/[A-Za-z0-9._-]{1,200}/[A-Za-z0-9._+!~-]{1,300}$")
# How long proxpi waits for a file it is downloading before answering (it would redirect to the upstream after).
DOWNLOAD_SECONDS = 300
# What proxpi answers when it gives up and sends the client to the upstream, which no box can reach.
REDIRECTS = ("301", "302", "303", "307", "308")


def _configure_proxpi(settings: index.IndexSettings) -> None:
    """proxpi reads its configuration from PROXPI_* variables when it is imported."""
    os.environ.update(
        PROXPI_INDEX_URL=settings.upstream,
        PROXPI_INDEX_TTL=str(settings.ttl),
        PROXPI_CACHE_DIR=str(settings.cache_dir),
        PROXPI_DOWNLOAD_TIMEOUT=str(DOWNLOAD_SECONDS),
        PROXPI_CONNECT_TIMEOUT="10",
        PROXPI_READ_TIMEOUT="60",
    )


class UpstreamError(Exception):
    """The upstream index answered with a server error: proxpi must not take it for "no such project"."""


def _masked(url: str) -> str:
    """The URL without the credentials an internal mirror's URL may carry."""
    return re.sub(r"^([a-z]+://)[^/@]*@", r"\1****@", url)


def _on_upstream_response(response: Response, *args: object, **kwargs: object) -> None:
    url = _masked(response.url)
    log.info("upstream request", extra={"method": response.request.method, "url": url, "status": response.status_code})
    if response.status_code >= 500 or response.status_code == 429:
        raise UpstreamError(f"{url}: HTTP {response.status_code}")


def _proxpi_cache() -> object:
    """proxpi's cache, with two of its habits changed for a grader.

    - A name the upstream does not know is "not found". proxpi would download the upstream's whole project list
      (about 40 MB, a minute and most of a GB of memory for PyPI) to double-check it, and then answer every name
      from that list until its TTL, missing projects published since.
    - Every upstream response is logged, and a server error is an error (proxpi's 404 would blame the learner).
    """
    from proxpi import _cache

    # proxpi ships no type hints: to mypy its classes are Any.
    class IndexCache(_cache._IndexCache):  # type: ignore[misc]
        def list_projects(self) -> KeysView[str]:
            return dict[str, object]().keys()

    class Cache(_cache.Cache):  # type: ignore[misc]
        _index_cache_cls = IndexCache

    cache = Cache.from_config()
    cache.root_cache.session.hooks["response"].append(_on_upstream_response)
    return cache


def build_app(settings: index.IndexSettings) -> WSGIApplication:
    """The WSGI app: proxpi behind an allow-list of package-download requests."""
    _configure_proxpi(settings)
    settings.cache_dir.mkdir(parents=True, exist_ok=True)
    from proxpi import server

    server.cache = _proxpi_cache()
    proxpi_app = server.app

    def app(environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "")
        path = environ.get("PATH_INFO", "")
        if path != "/health" and not PROJECT_RE.match(path) and not FILE_RE.match(path):
            return _plain(start_response, "404 Not Found", "this index serves package downloads only\n")
        if method not in ("GET", "HEAD"):
            return _plain(start_response, "405 Method Not Allowed", "GET or HEAD only\n")
        answered: list[str] = []

        def failed(status: str) -> bool:
            # A redirect to the upstream, or proxpi's own crash on an upstream failure. (304 is not one.)
            return status[:3] in REDIRECTS or status[:1] == "5"

        def checked_start(
            status: str, headers: list[tuple[str, str]], exc_info: OptExcInfo | None = None
        ) -> Callable[[bytes], object] | None:
            answered.append(status)
            if failed(status):
                return None
            return start_response(status, headers, exc_info)

        body: Iterable[bytes] = proxpi_app(environ, checked_start)
        if answered and failed(answered[0]):
            if hasattr(body, "close"):
                body.close()
            log.warning("upstream failure for %s (%s)", path, answered[0])
            return _plain(start_response, "502 Bad Gateway", "the package index proxy could not reach its upstream\n")
        return body

    return app


def _plain(start_response: StartResponse, status: str, text: str) -> list[bytes]:
    body = text.encode()
    start_response(status, [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def _wait_for_sigterm() -> NoReturn:
    log.info("GRADER_INDEX_URL=offline: builds install from the offline wheelhouse; no index proxy runs")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        signal.pause()


def main() -> None:
    from gunicorn.app.base import BaseApplication

    from config.logging import build_logging_config

    level = os.environ.get("LOG_LEVEL", "INFO").upper()
    logging.config.dictConfig(build_logging_config(level))
    # It serves the sandbox's builds: grading work, below the site's pages.
    lower_this_process(SandboxSettings.from_env().nice)
    settings = index.settings()
    if settings.offline:
        _wait_for_sigterm()
    settings.socket.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    unsafe = index.not_private(settings.socket.parent)
    if unsafe:
        sys.exit(f"refusing to serve the package index from {settings.socket.parent}, which {unsafe}")

    # gunicorn ships no type hints: to mypy its BaseApplication is Any.
    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            options = {
                "bind": [f"unix:{settings.socket}"],
                # One process: proxpi keeps its index pages and its list of cached files in memory.
                "workers": 1,
                "worker_class": "gthread",
                "threads": 16,
                "timeout": 120,
                "graceful_timeout": 10,
                # Only this uid (the worker's, which opens a door per box) may connect.
                "umask": 0o077,
                "accesslog": "-",
                "errorlog": "-",
                "access_log_format": "%(m)s %(U)s %(s)s %(M)sms",
                "logconfig_dict": build_logging_config(level),
                "control_socket_disable": True,
                "proc_name": "grader-index",
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> WSGIApplication:
            app = build_app(settings)
            log.info(
                "package index proxy ready",
                extra={"upstream": _masked(settings.upstream), "socket": str(settings.socket), "ttl": settings.ttl},
            )
            return app

    Server().run()


if __name__ == "__main__":
    main()

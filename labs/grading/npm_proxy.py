"""The caching npm registry the grader's sandboxed Node builds install from: the Procfile's `npm-index` process.

`python -m labs.grading.npm_proxy` runs verdaccio (https://verdaccio.org; `make npm-index` installs it into
labs/grading/npm_index/node_modules from its lock, with install scripts off) on the unix socket GRADER_NPM_SOCKET,
mirroring GRADER_NPM_URL (the public npm registry by default), with tarballs kept in GRADER_NPM_CACHE and package
documents trusted for GRADER_INDEX_TTL seconds. Publishing, unpublishing, sign-up, the web UI and the audit
middleware are off, so a box can only read packages. Verdaccio logs one JSON line per request, upstream ones
included. Boxes reach the socket only through a door (labs.grading.index). With GRADER_NPM_URL=offline the process
only waits for SIGTERM, so `honcho start` keeps running.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sys
from pathlib import Path
from typing import NoReturn

from labs.grading import index
from labs.sandbox.priority import lower_this_process
from labs.sandbox.settings import SandboxSettings

VERDACCIO = Path(__file__).resolve().parent / "npm_index" / "node_modules" / "verdaccio" / "bin" / "verdaccio"


def config(settings: index.IndexSettings) -> dict[str, object]:
    read_only = {"access": "$all", "publish": "$nobody", "unpublish": "$nobody", "proxy": "upstream"}
    return {
        "storage": str(settings.cache_dir / "storage"),
        "listen": [f"unix:{settings.socket}"],
        "web": {"enable": False},
        "auth": {"htpasswd": {"file": str(settings.cache_dir / "htpasswd"), "max_users": -1}},
        "uplinks": {"upstream": {"url": settings.upstream, "cache": True, "maxage": f"{settings.ttl}s"}},
        "packages": {"@*/*": read_only, "**": read_only},
        "middlewares": {},
        "publish": {"allow_offline": False},
        "log": {"type": "stdout", "format": "json", "level": "http"},
    }


def _idle(message: str) -> NoReturn:
    """Say why no proxy runs, then wait for SIGTERM: honcho stops every process when one exits."""
    print(json.dumps({"level": "WARNING", "logger": "labs.grading.npm_proxy", "message": message}), flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    while True:
        signal.pause()


def main() -> None:
    # It serves the sandbox's builds: grading work, below the site's pages.
    lower_this_process(SandboxSettings.from_env().nice)
    settings = index.settings(kind=index.NPM)
    if settings.offline:
        _idle("GRADER_NPM_URL=offline: no npm registry proxy runs; Node apps with packages get static checks only")
    node = shutil.which("node")
    if node is None or not VERDACCIO.exists():
        _idle("no npm registry proxy: it needs Debian's nodejs and npm, then `make npm-index` (verdaccio)")
    settings.socket.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    unsafe = index.not_private(settings.socket.parent)
    if unsafe:
        sys.exit(f"refusing to serve the npm registry from {settings.socket.parent}, which {unsafe}")
    settings.cache_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    settings.socket.unlink(missing_ok=True)  # a socket left by a process that died
    path = settings.cache_dir / "config.yaml"
    path.write_text(json.dumps(config(settings), indent=2))  # JSON is YAML
    os.umask(0o077)
    os.execv(node, [node, str(VERDACCIO), "--config", str(path)])


if __name__ == "__main__":
    main()

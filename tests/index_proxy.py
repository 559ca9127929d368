"""The grader's index proxies (the Procfile's `index` and `npm-index` processes) on a throwaway socket and cache, for
the tests and benchmarks that install through the real index: each counts the requests it made to its upstream."""

from __future__ import annotations

import json
import time
from pathlib import Path

from labs.grading import index, languages, wheelhouse
from labs.grading.manifest import node_manifest, python_manifest
from labs.grading.repo import Repo
from tests.conftest import ProcfileProcess

UPSTREAM = index.DEFAULT_UPSTREAM


class IndexProxy:
    def __init__(self, folder: Path, *, upstream: str | None = None, kind: index.Kind = index.PYPI) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.kind = kind
        self.socket = folder / "run" / kind.socket_name
        self.cache = folder / "cache"
        self.log = folder / f"{kind.name}.log"
        self.upstream = upstream or kind.default_upstream
        self.process = ProcfileProcess(
            kind.process,
            log_path=self.log,
            **{
                f"{kind.variable}_URL": self.upstream,
                f"{kind.variable}_SOCKET": str(self.socket),
                f"{kind.variable}_CACHE": str(self.cache),
                "LOG_LEVEL": "INFO",
            },
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                if index.health(self.socket, kind.health) == 200:
                    break
            except OSError:
                pass
            if self.process.popen.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"the index proxy did not start: {self.log.read_text()[-2000:]}")
            time.sleep(0.1)

    @property
    def env(self) -> dict[str, str]:
        """What a grader needs in its environment to build through this proxy."""
        return {f"{self.kind.variable}_URL": self.upstream, f"{self.kind.variable}_SOCKET": str(self.socket)}

    def upstream_requests(self) -> list[str]:
        """`METHOD url status` of every request the proxy made to its upstream so far."""
        found = []
        for line in self.log.read_text(errors="replace").splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("message") == "upstream request":  # ours, for proxpi
                found.append(f"{event.get('method')} {event.get('url')} {event.get('status')}")
            # verdaccio's, for package documents and tarballs alike
            if str(event.get("uri", "")).startswith(self.upstream) and "making request" in str(event.get("msg")):
                found.append(f"{event.get('method')} {event.get('uri')}")
        return found

    def stop(self) -> None:
        self.process.stop(timeout=15)


def needed_index(root: Path) -> index.Kind | None:
    """The index a build of this repository needs to run, or None when the offline wheelhouse (or nothing) will do:
    a Python manifest the wheelhouse cannot install (a Pipfile, Poetry's metadata, a pin it lacks), or Node
    dependencies (there is no offline npm registry)."""
    repo = Repo(root)
    if languages.unsupported_runtime(repo):
        return None
    if repo.is_python:
        manifest = python_manifest(repo)
        offline = not manifest.problem and not wheelhouse.lacks(wheelhouse.locate(), manifest.requirements)
        return None if offline or manifest.refused else index.PYPI
    if repo.is_node and (node_manifest(repo)[0] or {}).get("dependencies"):
        return index.NPM
    return None

"""The grader's package index proxy (the Procfile's `index` process) on a throwaway socket and cache, for the tests
and benchmarks that install through the real index: it counts the requests it made to the upstream."""

from __future__ import annotations

import json
import time
from pathlib import Path

from labs.grading import index
from tests.conftest import ProcfileProcess

UPSTREAM = index.DEFAULT_UPSTREAM


class IndexProxy:
    def __init__(self, folder: Path, *, upstream: str = UPSTREAM) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self.socket = folder / "run" / "index.sock"
        self.cache = folder / "cache"
        self.log = folder / "index.log"
        self.upstream = upstream
        self.process = ProcfileProcess(
            "index",
            log_path=self.log,
            GRADER_INDEX_URL=upstream,
            GRADER_INDEX_SOCKET=str(self.socket),
            GRADER_INDEX_CACHE=str(self.cache),
            LOG_LEVEL="INFO",
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                if index.health(self.socket) == 200:
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
        return {"GRADER_INDEX_URL": self.upstream, "GRADER_INDEX_SOCKET": str(self.socket)}

    def upstream_requests(self) -> list[str]:
        """`METHOD url status` of every request the proxy made to its upstream so far."""
        found = []
        for line in self.log.read_text(errors="replace").splitlines():
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if event.get("message") == "upstream request":
                found.append(f"{event.get('method')} {event.get('url')} {event.get('status')}")
        return found

    def stop(self) -> None:
        self.process.stop(timeout=15)

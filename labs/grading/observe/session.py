"""What every stage of one observation shares: the submission, the box it runs in, and the report it fills."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from labs.grading import deploy_secrets
from labs.grading.definitions import Contract, Lab
from labs.grading.repo import Repo
from labs.grading.report import RunReport

if TYPE_CHECKING:
    from labs.grading.index import Door
    from labs.sandbox import Box, HttpResult

VENV = "/tmp/venv"


@dataclass
class Session:
    repo: Repo
    lab: Lab
    contract: Contract
    box: Box
    report: RunReport
    door: Door | None = None  # to the package index proxy, open for the build only; None: the offline wheelhouse
    env: dict[str, str] = field(init=False)  # what a deploy sets for every process of the app

    def __post_init__(self) -> None:
        self.env = {
            "PATH": f"{VENV}/bin:/usr/local/bin:/usr/bin:/bin",
            "VIRTUAL_ENV": VENV,
            "DATABASE_URL": self.report.database_url,
            "SECRET_KEY": secrets.token_urlsafe(40),
            "WEB_CONCURRENCY": "2",
            "PYTHONUNBUFFERED": "1",
        }
        # The signing keys a deploy would generate under the app's own names (DJANGO_SECRET_KEY, SESSION_SECRET).
        self.env.update(deploy_secrets.generated(self.repo, already=set(self.env)))

    def listing(self) -> dict[str, int]:
        """The workspace's files and their sizes, listed by the sandbox's trusted command."""
        return {e.path: e.size for e in self.box.files() if not e.is_dir}

    def http(
        self,
        port: int,
        path: str,
        *,
        method: str = "GET",
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float = 5.0,
    ) -> HttpResult:
        """A probe the app serves as a request, counted (the logs check expects a line for each)."""
        self.report.requests_served += 1
        return self.box.http(port, path, method=method, body=body, headers=headers, timeout=timeout)

"""The bubblewrap backend: finds its host tools, proves once that namespaces work here, and opens boxes."""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import ClassVar

from labs.sandbox import Backend, Box, Limits, SandboxError, SandboxUnavailable
from labs.sandbox.bwrap.box import BwrapBox
from labs.sandbox.settings import SandboxSettings

TOOLS = ("bwrap", "nsenter", "prlimit", "setpriv", "nice")


class BwrapBackend(Backend):
    """Settings from `SandboxSettings.from_env()` unless given: slots, uids, lock and staging folders, cgroups."""

    name = "bwrap"
    # Availability per (tools, euid), shared by every backend object of the process. Only a success is remembered.
    _checked: ClassVar[dict[tuple[str, ...], str | None]] = {}

    def __init__(self, settings: SandboxSettings | None = None) -> None:
        self.settings = settings or SandboxSettings.from_env()

    def _tools(self) -> dict[str, str]:
        tools = {}
        for tool in TOOLS:
            found = shutil.which(tool)
            if not found:
                raise SandboxUnavailable(f"{tool} not found on PATH (Debian: bubblewrap, util-linux, coreutils)")
            tools[tool] = found
        return tools

    def check(self) -> None:
        tools = self._tools()
        key = (*tools.values(), str(os.geteuid()))
        # A probe that failed because every slot was busy, say, is tried again next time.
        if self._checked.get(key, "unknown") is not None:
            self._checked[key] = self._probe(tools)
        if (why := self._checked[key]) is not None:
            raise SandboxUnavailable(why)

    def _probe(self, tools: dict[str, str]) -> str | None:
        """Open a tiny box and run `true` in it: the only proof that namespaces work on this host."""
        try:
            with BwrapBox(self.settings, tools, None, Limits(wall_seconds=20, workspace_bytes=1024 * 1024)) as box:
                done = box.run(["/usr/bin/true"], timeout=10)
                if done.exit_code != 0:
                    return f"a test process in the sandbox failed: {done.stderr.decode(errors='replace')}"
        except SandboxUnavailable as e:
            return str(e)
        except (OSError, SandboxError) as e:
            return f"sandbox test failed: {e}"
        return None

    def open(
        self,
        source_dir: Path,
        *,
        limits: Limits = Limits(),  # noqa: B008
        ro_mounts: Mapping[str, Path] = {},  # noqa: B006
    ) -> Box:
        self.check()
        return BwrapBox(self.settings, self._tools(), Path(source_dir), limits, ro_mounts)

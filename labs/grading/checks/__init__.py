"""The check registry: one module per factor group registers its checks here.

A check marked ``gate=True`` is a finding that makes a pass impossible whatever the total (a committed secret, a
debug page in production, a service that never answers...); ``cap`` also bounds the score when it fails, for a
finding that leaves the other checks with nothing to observe (see labs.grading.scorecard).

A static check is ``func(ctx: StaticContext) -> Verdict``; a dynamic check is
``func(ctx: DynamicContext) -> Verdict`` and reads what the sandboxed run observed (labs.grading.report).
The hint of a check links to the lesson section that teaches the fix.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from labs.grading.verdict import Verdict, errored, failed, passed, skipped, warned  # noqa: F401 (re-exported)
from twelve_factor.factors import BY_NUMBER

if TYPE_CHECKING:
    from labs.grading.definitions import Contract, Lab
    from labs.grading.repo import Repo
    from labs.grading.report import RunReport


def lesson_url(factor: int, anchor: str = "") -> str:
    url = f"/courses/twelve-factor/{BY_NUMBER[factor].slug}/"
    return f"{url}#{anchor}" if anchor else url


@dataclass(kw_only=True)
class StaticContext:
    repo: Repo
    lab: Lab
    contract: Contract | None
    contract_problem: str | None = None  # why the submission's .twelve-factor.yml was not usable


@dataclass(kw_only=True)
class DynamicContext(StaticContext):
    run: RunReport


@dataclass(frozen=True)
class CheckSpec:
    id: str
    factor: int
    kind: Literal["static", "dynamic"]
    title: str
    advice: str
    anchor: str
    func: Callable
    gate: bool = False
    cap: int | None = None

    @property
    def hint(self) -> str:
        return f"{self.advice} See {lesson_url(self.factor, self.anchor)}"


REGISTRY: dict[str, CheckSpec] = {}

MODULES = (
    "codebase",
    "dependencies",
    "config",
    "backing_services",
    "build_release_run",
    "processes",
    "port_binding",
    "concurrency",
    "disposability",
    "dev_prod_parity",
    "logs",
    "admin_processes",
)


def check(
    id: str,
    *,
    factor: int,
    kind: Literal["static", "dynamic"],
    title: str,
    advice: str,
    anchor: str = "",
    gate: bool = False,
    cap: int | None = None,
) -> Callable[[Callable], Callable]:
    def register(func: Callable) -> Callable:
        if id in REGISTRY:
            raise ValueError(f"check {id} registered twice")
        REGISTRY[id] = CheckSpec(id, factor, kind, title, advice, anchor, func, gate=gate, cap=cap)
        return func

    return register


for _module in MODULES:
    importlib.import_module(f"labs.grading.checks.{_module}")

"""The check registry: one module per factor group registers its checks here.

A check marked ``gate=True`` is a finding that makes a pass impossible whatever the total (a committed secret, a
debug page in production, a service that never answers...); ``cap`` also bounds the score when it fails, for a
finding that leaves the other checks with nothing to observe (see labs.grading.scorecard).

A static check is ``func(ctx: StaticContext) -> Verdict``; a dynamic check is
``func(ctx: DynamicContext) -> Verdict`` and reads what the sandboxed run observed (labs.grading.report).
The hint of a check links to the lesson section that teaches the fix.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, overload

from labs.grading.verdict import Verdict
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


StaticCheck = Callable[[StaticContext], Verdict]
DynamicCheck = Callable[[DynamicContext], Verdict]


@dataclass(frozen=True)
class CheckSpec:
    id: str
    factor: int
    kind: Literal["static", "dynamic"]
    title: str
    advice: str
    anchor: str
    func: StaticCheck  # a dynamic check is registered behind a guard that it is given a run (see check())
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


@overload
def check(
    id: str,
    *,
    factor: int,
    kind: Literal["static"],
    title: str,
    advice: str,
    anchor: str = "",
    gate: bool = False,
    cap: int | None = None,
) -> Callable[[StaticCheck], StaticCheck]: ...


@overload
def check(
    id: str,
    *,
    factor: int,
    kind: Literal["dynamic"],
    title: str,
    advice: str,
    anchor: str = "",
    gate: bool = False,
    cap: int | None = None,
) -> Callable[[DynamicCheck], DynamicCheck]: ...


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
) -> Callable[[StaticCheck], StaticCheck] | Callable[[DynamicCheck], DynamicCheck]:
    def add(func: StaticCheck) -> None:
        if id in REGISTRY:
            raise ValueError(f"check {id} registered twice")
        REGISTRY[id] = CheckSpec(id, factor, kind, title, advice, anchor, func, gate=gate, cap=cap)

    def register_static(func: StaticCheck) -> StaticCheck:
        add(func)
        return func

    def register_dynamic(func: DynamicCheck) -> DynamicCheck:
        add(_given_a_run(func))
        return func

    return register_static if kind == "static" else register_dynamic


def _given_a_run(func: DynamicCheck) -> StaticCheck:
    """func, called with the context of a run only: a dynamic check never judges without one."""

    @functools.wraps(func)
    def guarded(ctx: StaticContext) -> Verdict:
        if not isinstance(ctx, DynamicContext):
            raise TypeError(f"the dynamic check {func.__name__} was called without a run")
        return func(ctx)

    return guarded


for _module in MODULES:
    importlib.import_module(f"labs.grading.checks.{_module}")

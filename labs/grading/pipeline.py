"""grade(): intake → static checks → sandboxed build and run → dynamic checks → Scorecard."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from pathlib import Path

from labs.grading.checks import REGISTRY, DynamicContext, StaticContext
from labs.grading.definitions import (
    SUBMISSION_CONTRACT_FILES,
    Contract,
    Lab,
    load_lab,
    submission_contract,
    submission_samples,
)
from labs.grading.exceptions import Fault, GraderFault, SubmissionRefused
from labs.grading.repo import Repo
from labs.grading.scorecard import CheckResult, Scorecard
from labs.grading.verdict import Verdict, skipped

log = logging.getLogger(__name__)


def _declaration(repo: Repo) -> str | None:
    """The text of the submission's .twelve-factor.yml, if it has one."""
    return next((repo.text(name) for name in SUBMISSION_CONTRACT_FILES if repo.exists(name)), None)


def resolve_contract(repo: Repo, lab: Lab) -> tuple[Contract | None, str | None]:
    """The lab's own contract, else (when the lab allows it) the one the submission declares."""
    if lab.contract is not None:
        return lab.contract, None
    if not lab.submission_contract:
        return None, None
    return submission_contract(_declaration(repo))


def _result(check_id: str, weight: int, verdict: Verdict) -> CheckResult:
    spec = REGISTRY[check_id]
    return CheckResult.scored(
        id=check_id,
        factor=spec.factor,
        status=verdict.status,
        weight=weight,
        evidence=verdict.evidence,
        hint=spec.hint,
        gate=spec.gate,
        cap=spec.cap,
    )


def _evaluate(check_id: str, ctx: StaticContext) -> Verdict:
    """Run one check. A check that crashes or cannot decide is our bug: the whole grade becomes a GraderFault
    (retried, never scored), because a scorecard with a hole in it would judge the learner on part of the
    evidence."""
    try:
        verdict = REGISTRY[check_id].func(ctx)
    except Exception as exc:
        log.exception("check %s crashed", check_id)
        raise GraderFault(Fault.CHECK, f"the check {check_id} crashed ({type(exc).__name__})") from exc
    if not isinstance(verdict, Verdict) or verdict.status == "error":
        evidence = verdict.evidence if isinstance(verdict, Verdict) else "no verdict"
        raise GraderFault(Fault.CHECK, f"the check {check_id} could not decide: {evidence}")
    return verdict


def grade(
    source: Path | str,
    lab_slug: str = "audit",
    *,
    labs_dir: Path | None = None,
    on_check: Callable[[CheckResult], None] | None = None,
    static_only: bool = False,
) -> Scorecard:
    """static_only: read the repository without building or running it; the dynamic checks are skipped, saying so
    (for machines without a sandbox, and for a quick look)."""
    from labs.grading.intake import extract
    from labs.grading.observe import observe

    lab = load_lab(lab_slug, labs_dir)
    results: dict[str, CheckResult] = {}

    def record(check_id: str, verdict: Verdict) -> None:
        result = _result(check_id, lab.checks[check_id], verdict)
        results[check_id] = result
        if on_check is not None:
            on_check(result)

    with tempfile.TemporaryDirectory(prefix="grade-") as tmp:
        workdir = Path(tmp) / "submission"
        workdir.mkdir()
        extract(Path(source), workdir)
        repo = Repo(workdir)
        if lab.allow_samples:
            samples, samples_problem = submission_samples(_declaration(repo))
            if samples_problem:
                raise SubmissionRefused(samples_problem)
            repo = Repo(workdir, samples=samples)
        # An absurd descriptor (an 8 KiB command, 50+ process types) refuses the submission before any check runs.
        repo.process_types  # noqa: B018
        contract, contract_problem = resolve_contract(repo, lab)
        static = StaticContext(repo=repo, lab=lab, contract=contract, contract_problem=contract_problem)
        for check_id in lab.checks:
            if REGISTRY[check_id].kind == "static":
                record(check_id, _evaluate(check_id, static))
        dynamic_ids = [c for c in lab.checks if REGISTRY[c].kind == "dynamic"]
        unobserved = None
        if dynamic_ids and static_only:
            unobserved = "static checks only"
            for check_id in dynamic_ids:
                record(check_id, skipped("not run: static checks only (the repository was not built or started)"))
        elif dynamic_ids:
            report = observe(repo, lab, contract, workdir=workdir)
            unobserved = report.not_runnable
            dynamic = DynamicContext(
                repo=repo, lab=lab, contract=contract, contract_problem=contract_problem, run=report
            )
            for check_id in dynamic_ids:
                record(check_id, _evaluate(check_id, dynamic))

    ordered = sorted(results.values(), key=lambda r: (r.factor, list(lab.checks).index(r.id)))
    return Scorecard.from_checks(lab.slug, ordered, pass_mark=lab.pass_mark, unobserved=unobserved)

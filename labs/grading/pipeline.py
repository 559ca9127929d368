"""grade(): intake → static checks → sandboxed build and run → dynamic checks → Scorecard."""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Callable
from pathlib import Path

from labs.grading.checks import REGISTRY, DynamicContext, StaticContext, Verdict, errored
from labs.grading.definitions import (
    SUBMISSION_CONTRACT_FILES,
    Contract,
    Lab,
    load_lab,
    submission_contract,
    submission_samples,
)
from labs.grading.exceptions import SubmissionRefused
from labs.grading.repo import Repo
from labs.grading.scorecard import CheckResult, Scorecard

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
    )


def _evaluate(check_id: str, ctx: StaticContext) -> Verdict:
    try:
        verdict = REGISTRY[check_id].func(ctx)
    except Exception as exc:  # one broken check must not sink the scorecard; it is logged as ours
        log.exception("check %s crashed", check_id)
        return errored(f"the grader's check crashed ({type(exc).__name__}); this is our bug, not yours")
    if not isinstance(verdict, Verdict):
        return errored("the grader's check returned no verdict; this is our bug, not yours")
    return verdict


def grade(
    source: Path | str,
    lab_slug: str = "audit",
    *,
    labs_dir: Path | None = None,
    on_check: Callable[[CheckResult], None] | None = None,
) -> Scorecard:
    from labs.grading.intake import extract
    from labs.grading.run import observe

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
        if dynamic_ids:
            report = observe(repo, lab, contract, workdir=workdir)
            dynamic = DynamicContext(
                repo=repo, lab=lab, contract=contract, contract_problem=contract_problem, run=report
            )
            for check_id in dynamic_ids:
                record(check_id, _evaluate(check_id, dynamic))

    ordered = sorted(results.values(), key=lambda r: (r.factor, list(lab.checks).index(r.id)))
    return Scorecard.from_checks(lab.slug, ordered, pass_mark=lab.pass_mark)

"""Item analysis for a room's quizzes and labs. Pure functions: plain data in, numbers out, no Django.

Facility is the share of learners who answered a question fully correctly (credit 1) on their first attempt.
Discrimination is the item-rest correlation: the Pearson correlation between getting the question right (1 or 0) and
the learner's share of credit on the *other* questions of the same attempt (which equals the corrected point-biserial
coefficient). Leaving the item out of the rest score stops it correlating with itself, which matters on short quizzes
and on banks where each learner draws different questions. See Crocker & Algina, Introduction to Classical and Modern
Test Theory, ch. 14. Around 0.3 or more separates strong from weak learners well; near 0 or negative flags a question
to review.
"""

import math
from collections import Counter
from dataclasses import dataclass

CORRECT = 0.999  # credit at or above this counts as fully correct (floating-point partial credit sums)


def facility(correct: list[int]) -> float | None:
    return sum(correct) / len(correct) if correct else None


def pearson(xs: list[float], ys: list[float]) -> float | None:
    """None when either side has no variance (everyone right, or everyone with the same rest score)."""
    n = len(xs)
    if n < 2 or n != len(ys):
        return None
    mean_x, mean_y = sum(xs) / n, sum(ys) / n
    sxy = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True))
    sxx = sum((x - mean_x) ** 2 for x in xs)
    syy = sum((y - mean_y) ** 2 for y in ys)
    if sxx == 0 or syy == 0:
        return None
    return sxy / math.sqrt(sxx * syy)


@dataclass(frozen=True)
class QuestionStats:
    key: str
    respondents: int
    facility: float | None
    discrimination: float | None


def question_stats(attempts: list[dict[str, float]]) -> dict[str, QuestionStats]:
    """`attempts`: one dict per first attempt, question key → credit (0 to 1) for every question drawn into it
    (an unanswered question counts 0). Questions met in a one-question attempt have no rest score and are left out
    of that question's discrimination."""
    correct: dict[str, list[int]] = {}
    pairs: dict[str, tuple[list[float], list[float]]] = {}
    for attempt in attempts:
        total = sum(attempt.values())
        for key, credit in attempt.items():
            right = 1 if credit >= CORRECT else 0
            correct.setdefault(key, []).append(right)
            if len(attempt) > 1:
                xs, ys = pairs.setdefault(key, ([], []))
                xs.append(right)
                ys.append((total - credit) / (len(attempt) - 1))
    return {
        key: QuestionStats(key, len(flags), facility(flags), pearson(*pairs.get(key, ([], []))))
        for key, flags in correct.items()
    }


def pick_rates(responses: list[list[int]], option_count: int) -> list[float]:
    """Share of respondents who picked each option (a multiple-choice learner can pick several, so the shares can
    sum past 1). Indices outside the options are ignored."""
    if not responses:
        return [0.0] * option_count
    counts = Counter(i for picks in responses for i in set(picks) if 0 <= i < option_count)
    return [counts[i] / len(responses) for i in range(option_count)]


@dataclass(frozen=True)
class CheckStats:
    id: str
    factor: int
    graded: int
    pass_rate: float
    top_failing_evidence: str
    top_failing_count: int


def check_stats(scorecards: list[list[dict]]) -> list[CheckStats]:
    """`scorecards`: the checks of each learner's latest graded submission. A check counts where it ran (pass, warn
    or fail; skipped checks are left out); warn is not a pass. Ordered by pass rate, weakest first."""
    ran: dict[str, list[dict]] = {}
    for checks in scorecards:
        for check in checks:
            if check.get("status") in ("pass", "warn", "fail"):
                ran.setdefault(check["id"], []).append(check)
    stats = []
    for check_id, results in ran.items():
        passes = sum(1 for r in results if r["status"] == "pass")
        failing = Counter(r.get("evidence", "") for r in results if r["status"] != "pass")
        evidence, count = failing.most_common(1)[0] if failing else ("", 0)
        stats.append(
            CheckStats(check_id, results[0].get("factor", 0), len(results), passes / len(results), evidence, count)
        )
    return sorted(stats, key=lambda s: (s.pass_rate, s.id))

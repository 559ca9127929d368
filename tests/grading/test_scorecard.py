from labs.grading.scorecard import CheckResult, Scorecard


def result(status: str, weight: int = 10, check_id: str = "x.y", factor: int = 1) -> CheckResult:
    return CheckResult.scored(id=check_id, factor=factor, status=status, weight=weight, evidence="e", hint="h")


def test_points_by_status():
    assert [result(s).points for s in ("pass", "warn", "fail", "error", "skip")] == [10, 5, 0, 0, 0]


def test_score_counts_pass_warn_fail_only():
    card = Scorecard.from_checks(
        "audit", [result("pass"), result("warn"), result("fail"), result("skip")], pass_mark=50
    )
    assert card.score == 50  # 15 of 30: the skip is out of both sides
    assert card.passed


def test_a_failed_gate_blocks_passing_whatever_the_total():
    gate = CheckResult.scored(id="config.no-committed-secrets", factor=3, status="fail", weight=10, evidence="e",
                              hint="h", gate=True)  # fmt: skip
    card = Scorecard.from_checks("audit", [result("pass", weight=90), gate], pass_mark=80)
    assert card.score == 90
    assert not card.passed
    assert card.blocking == [gate]


def test_a_passed_gate_blocks_nothing():
    gate = CheckResult.scored(id="g", factor=3, status="pass", weight=10, evidence="e", hint="h", gate=True)
    card = Scorecard.from_checks("audit", [result("pass"), gate], pass_mark=80)
    assert card.passed and card.blocking == []


def test_a_failed_gate_with_a_cap_bounds_the_score():
    unserved = CheckResult.scored(id="port-binding.answers-http", factor=7, status="fail", weight=10, evidence="e",
                                  hint="h", gate=True, cap=40)  # fmt: skip
    card = Scorecard.from_checks("audit", [result("pass", weight=200), unserved], pass_mark=30)
    assert card.score == 40
    assert not card.passed


def test_error_never_passes_but_does_not_lower_score():  # scorecards stored before GraderFault existed
    card = Scorecard.from_checks("audit", [result("pass"), result("error")], pass_mark=80)
    assert card.score == 100
    assert not card.passed
    assert "could not run" in card.error


def test_nothing_counted_scores_zero():
    card = Scorecard.from_checks("audit", [result("skip"), result("error")], pass_mark=0)
    assert card.score == 0
    assert not card.passed


def test_to_dict_has_exactly_the_issue_keys():
    card = Scorecard.from_checks("audit", [result("pass")], pass_mark=80)
    data = card.to_dict()
    assert list(data) == ["lab", "score", "passed", "checks", "error"]
    assert list(data["checks"][0]) == ["id", "factor", "status", "points", "max_points", "evidence", "hint", "gate"]


def test_refused_scorecard():
    data = Scorecard.refused("audit", "the archive contains a link").to_dict()
    assert data == {"lab": "audit", "score": 0, "passed": False, "checks": [], "error": "the archive contains a link"}


def test_evidence_is_clipped():
    long = CheckResult.scored(id="a", factor=1, status="fail", weight=10, evidence="x" * 5000, hint="h")
    assert len(long.evidence) <= 600

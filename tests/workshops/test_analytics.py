"""The statistics on a small room worked out by hand.

Four learners, three questions, credit per question on their first attempt:

        q1  q2  q3   total
    A    1   1   1     3
    B    1   0   1     2
    C    0   1   0     1
    D    0   0   0     0

Facility of each question: 2 of 4 right = 0.5.
Rest score = (total - own credit) / 2 (the share of the other two questions):
    q1: right = [1, 1, 0, 0], rest = [1, .5, .5, 0]. Deviations from the means (.5, .5): x = ±.5,
        y = [.5, 0, 0, -.5]; Σxy = .5, Σx² = 1, Σy² = .5, so r = .5 / √.5 = √2/2 ≈ 0.7071.
    q2: right = [1, 0, 1, 0], rest = [1, 1, 0, 0]; Σxy = .25 - .25 - .25 + .25 = 0, so r = 0.
    q3: same pattern as q1: r = √2/2.
"""

import math

import pytest

from workshops import analytics

ROOM = [
    {"q1": 1.0, "q2": 1.0, "q3": 1.0},
    {"q1": 1.0, "q2": 0.0, "q3": 1.0},
    {"q1": 0.0, "q2": 1.0, "q3": 0.0},
    {"q1": 0.0, "q2": 0.0, "q3": 0.0},
]


def test_facility_and_discrimination_on_the_worked_example():
    stats = analytics.question_stats(ROOM)
    assert {key: s.facility for key, s in stats.items()} == {"q1": 0.5, "q2": 0.5, "q3": 0.5}
    assert stats["q1"].discrimination == pytest.approx(math.sqrt(2) / 2)
    assert stats["q2"].discrimination == pytest.approx(0.0)
    assert stats["q3"].discrimination == pytest.approx(math.sqrt(2) / 2)
    assert stats["q1"].respondents == 4


def test_partial_credit_is_not_correct_but_counts_in_the_rest():
    stats = analytics.question_stats([{"a": 0.5, "b": 1.0}, {"a": 1.0, "b": 0.0}])
    assert stats["a"].facility == 0.5
    assert stats["b"].facility == 0.5
    # a: right = [0, 1], rest = [1, 0] → perfectly negative.
    assert stats["a"].discrimination == pytest.approx(-1.0)


def test_discrimination_is_none_without_variance():
    stats = analytics.question_stats([{"a": 1.0, "b": 1.0}, {"a": 1.0, "b": 0.0}])
    assert stats["a"].facility == 1.0
    assert stats["a"].discrimination is None  # everyone right: nothing to correlate
    assert analytics.question_stats([{"solo": 1.0}])["solo"].discrimination is None
    assert analytics.facility([]) is None


def test_pick_rates_share_of_respondents_per_option():
    assert analytics.pick_rates([[0], [0], [1], [0, 2]], 3) == [0.75, 0.25, 0.25]
    assert analytics.pick_rates([[0, 0], [7]], 2) == [0.5, 0.0]  # duplicates and unknown indices ignored
    assert analytics.pick_rates([], 2) == [0.0, 0.0]


def test_check_stats_pass_rate_and_most_common_failing_evidence():
    def check(check_id: str, factor: int, status: str, evidence: str = "") -> dict:
        return {"id": check_id, "factor": factor, "status": status, "evidence": evidence}

    cards = [
        [check("a", 3, "pass", "ok"), check("b", 9, "fail", "no SIGTERM handler")],
        [check("a", 3, "fail", "DEBUG hard-coded"), check("b", 9, "fail", "no SIGTERM handler")],
        [check("a", 3, "pass"), check("b", 9, "warn", "slow"), check("c", 1, "skip")],
    ]
    stats = analytics.check_stats(cards)
    assert [s.id for s in stats] == ["b", "a"]  # weakest first; the skipped check never ran
    b, a = stats
    assert (b.graded, b.pass_rate, b.top_failing_evidence, b.top_failing_count) == (3, 0.0, "no SIGTERM handler", 2)
    assert a.pass_rate == pytest.approx(2 / 3)
    assert (a.top_failing_evidence, a.factor) == ("DEBUG hard-coded", 3)


def test_bar_chart_is_accessible_svg_with_escaped_labels():
    from config.charts import Bar, bar_chart

    svg = bar_chart(title="Facility <Quiz>", desc="Share right", bars=[Bar("Q1", 0.5, "50%"), Bar("<b>", None)])
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert "<title" in svg and "<desc" in svg and "&lt;Quiz&gt;" in svg and "&lt;b&gt;" in svg
    assert svg.count('class="chart-bar"') == 1 and "n/a" in svg

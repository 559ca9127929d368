import pytest

from quizzes import services as quiz_services
from teams import services
from teams.charts import strength_chart
from teams.strengths import counted_attempts, factor_strengths, weak_factors
from tests.factories import UserFactory
from tests.teams.conftest import correct_response, wrong_response
from tests.teams.helpers import take

pytestmark = pytest.mark.django_db


def test_strength_per_factor_and_weak_factors(assessment, assignment):
    """One question per factor: answer Disposability (IX) wrong and everything else right."""
    attempt = services.assessment_attempt_start(assignment=assignment, part=assessment.parts.get())
    for item in attempt.items.select_related("version"):
        wrong = item.version.factor == 9
        response = wrong_response(item.version) if wrong else correct_response(item.version)
        quiz_services.answer_save(attempt=attempt, item=item, given={}, response=response)
    services.assessment_attempt_submit(assignment=assignment, attempt=attempt)

    strengths = factor_strengths(assessment)
    assert [s.factor for s in strengths] == list(range(1, 13))
    by_factor = {s.factor: s for s in strengths}
    assert by_factor[9].percent == 0.0 and by_factor[9].name == "IX. Disposability"
    assert all(s.percent == 100.0 for s in strengths if s.factor != 9)
    assert [s.name for s in weak_factors(strengths)] == ["IX. Disposability"]

    svg = strength_chart(strengths)
    assert svg.startswith("<svg") and 'role="img"' in svg
    assert "Weak (below 60%) on: IX. Disposability." in svg
    assert svg.count('class="chart-row is-weak"') == 1


def test_open_attempts_do_not_count(assessment, assignment):
    services.assessment_attempt_start(assignment=assignment, part=assessment.parts.get())
    assert factor_strengths(assessment) == []


def test_chart_escapes_names(assessment):
    from teams.strengths import FactorStrength

    svg = strength_chart([FactorStrength(factor=1, name="<script>x</script>", percent=50, questions=1)])
    assert "<script>" not in svg


def test_each_person_counts_once_with_their_best_attempt(assessment, assignment):
    """The issue's case: the only member fails a first attempt, then passes with 100%. The team is weak on nothing."""
    part = assessment.parts.get()
    take(assignment, part, right=False)
    assignment.refresh_from_db()
    take(assignment, part, right=True)

    strengths = factor_strengths(assessment)

    assert strengths and all(s.percent == 100.0 for s in strengths)
    assert weak_factors(strengths) == []
    assert counted_attempts(assessment) == {"people": 1, "attempts": 1}


def test_best_attempt_per_person_and_quiz_across_people(assessment, assignment, organisation):
    part = assessment.parts.get()
    take(assignment, part, right=True)
    other = UserFactory(username="linus")
    services.membership_add(organisation=organisation, user=other)
    take(services.assignment_create(assessment=assessment, user=other), part, right=False)

    strengths = factor_strengths(assessment)

    assert all(s.percent == 50.0 and s.questions == 2 for s in strengths)  # one right and one wrong answer each
    assert counted_attempts(assessment) == {"people": 2, "attempts": 2}

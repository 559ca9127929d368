from quizzes import services as quiz_services
from quizzes.models import Attempt
from teams import services
from tests.teams.conftest import correct_response, wrong_response


def take(assignment, part, *, right: bool = True) -> Attempt:
    """Start an attempt at one part, answer every question (all right or all wrong) and submit it."""
    attempt = services.assessment_attempt_start(assignment=assignment, part=part)
    for item in attempt.items.select_related("version"):
        response = correct_response(item.version) if right else wrong_response(item.version)
        quiz_services.answer_save(attempt=attempt, item=item, given={}, response=response)
    return services.assessment_attempt_submit(assignment=assignment, attempt=attempt)

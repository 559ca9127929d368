"""Question versions by id, held in this process's memory for one content release.

The answer path needs every question version of the attempt on each answer (the one answered, graded and shown; the
others for the progress nav). A version's answer key never changes (an edit makes a new version), but a release may
re-render its HTML in place (quizzes.loader), so the versions are kept per content version: a release empties them.
Shared by every learner of the quiz, so memory holds one copy of each version in use, not one per attempt, and an
answer unpickles none of them.
"""

from collections.abc import Iterable

from courses.release import per_release
from quizzes.models import QuestionVersion


@per_release
def _versions_of_release(*, version: str) -> dict[int, QuestionVersion]:
    return {}  # filled by `question_versions` as answers ask for them


def question_versions(ids: Iterable[int], *, release: str | None) -> dict[int, QuestionVersion]:
    """id → version for `ids` (one query for those this process has not read in this release). With no `release`
    known (the cache lost it) nothing is kept."""
    known = _versions_of_release(version=release) if release else {}
    wanted = set(ids)
    if missing := wanted.difference(known):
        known.update(QuestionVersion.objects.in_bulk(missing))
    return {pk: known[pk] for pk in wanted if pk in known}


def forget_all() -> None:
    """Drop what this process holds."""
    _versions_of_release.forget()

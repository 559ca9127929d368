"""The room at a glance: every member's state on every lesson, quiz and lab of the cohort's course.

Progress events (for "stuck"): a lesson marked done (LessonProgress.completed_at), a quiz attempt started or
submitted, a quiz answer saved (Answer.updated_at), a lab submission made or graded. A member with none of these in
the last N minutes (counting from when they joined) is stuck.
"""

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Max
from django.utils import timezone
from django.utils.timesince import timesince

from accounts.names import display_name
from courses.models import LessonProgress
from labs.models import Submission
from quizzes.models import Answer, Attempt
from workshops.models import Cohort
from workshops.selectors import Item, cohort_members, course_items


def whole_percent(score: float) -> str:
    """A score as the grid shows it: rounded half up (62.5 shows 63), as a reader rounds, not to even as format()."""
    return str(Decimal(repr(score)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass
class Cell:
    state: str = "none"  # "done", "progress" or "none"
    score: float | None = None

    @property
    def label(self) -> str:
        if self.score is not None:
            return f"{whole_percent(self.score)}%"
        return {"done": "Done", "progress": "In progress"}.get(self.state, "Not started")

    @property
    def mark(self) -> str:
        """What the grid shows sighted readers (the label is read aloud): the score, else a sign for the state."""
        if self.score is not None:
            return whole_percent(self.score)
        return {"done": "✓", "progress": "…"}.get(self.state, "·")


@dataclass
class Row:
    user_id: int
    name: str  # the name they go by (accounts.names)
    username: str
    joined_at: datetime.datetime
    cells: dict[str, Cell] = field(default_factory=dict)
    last_event: datetime.datetime | None = None
    stuck: bool = False
    shown: list[Cell] = field(default_factory=list)  # the cells of the columns on show, filled by room_grid

    @property
    def done_count(self) -> int:
        return sum(1 for cell in self.cells.values() if cell.state == "done")

    @property
    def last_active(self) -> datetime.datetime:
        return self.last_event or self.joined_at

    @property
    def last_active_label(self) -> str:
        if timezone.now() - self.last_active < datetime.timedelta(minutes=1):
            return "active just now"
        return f"active {timesince(self.last_active)} ago"


def _later(a: datetime.datetime | None, b: datetime.datetime | None) -> datetime.datetime | None:
    return max((t for t in (a, b) if t is not None), default=None)


def room_rows(*, cohort: Cohort, items: list[Item], stuck_minutes: int = 10) -> list[Row]:
    """One row per member with a cell per item, in a fixed number of queries whatever the room size."""
    members = cohort_members(cohort=cohort)
    rows = {m.user_id: Row(m.user_id, display_name(m.user), m.user.get_username(), m.joined_at) for m in members}
    user_ids = list(rows)
    keys = {(item.kind, item.slug): item.key for item in items}

    def cell(user_id: int, kind: str, slug: str) -> Cell | None:
        key = keys.get((kind, slug))
        if key is None:
            return None
        return rows[user_id].cells.setdefault(key, Cell())

    def saw(user_id: int, when: datetime.datetime | None) -> None:
        rows[user_id].last_event = _later(rows[user_id].last_event, when)

    for row in rows.values():
        row.cells = {item.key: Cell() for item in items}

    lessons = LessonProgress.objects.filter(user_id__in=user_ids, lesson__course=cohort.course)
    for user_id, slug, completed_at in lessons.values_list("user_id", "lesson__slug", "completed_at"):
        if target := cell(user_id, "lesson", slug):
            target.state = "done"
        saw(user_id, completed_at)

    def scored(target, score) -> bool:
        """A scored attempt or submission marks its cell done with the best score so far; False when unscored."""
        if score is None:
            return False
        target.state = "done"
        target.score = max(score, target.score or 0)
        return True

    attempts = Attempt.objects.filter(user_id__in=user_ids, quiz__course=cohort.course, scope="")
    for user_id, slug, score, started, submitted in attempts.values_list(
        "user_id", "quiz__slug", "score", "started_at", "submitted_at"
    ):
        saw(user_id, _later(started, submitted))
        target = cell(user_id, "quiz", slug)
        if target is not None and not scored(target, score) and target.state == "none":
            target.state = "progress"

    answered = (
        Answer.objects.filter(attempt__user_id__in=user_ids, attempt__quiz__course=cohort.course)
        .values("attempt__user_id")
        .annotate(last=Max("updated_at"))
    )
    for entry in answered:
        saw(entry["attempt__user_id"], entry["last"])

    submissions = Submission.objects.filter(user_id__in=user_ids, lab__course=cohort.course)
    for user_id, slug, status, created, finished, score in submissions.values_list(
        "user_id", "lab__slug", "status", "created_at", "finished_at", "scorecard__score"
    ):
        saw(user_id, _later(created, finished))
        target = cell(user_id, "lab", slug)
        in_flight = status in (Submission.Status.QUEUED, Submission.Status.RUNNING)
        if target is not None and not scored(target, score) and target.state == "none" and in_flight:
            target.state = "progress"

    threshold = timezone.now() - datetime.timedelta(minutes=stuck_minutes)
    for row in rows.values():
        row.stuck = row.last_active < threshold
    return list(rows.values())


SORTS = {
    "name": lambda row: (row.name.lower(),),
    "progress": lambda row: (-row.done_count, row.name.lower()),
    "active": lambda row: (-row.last_active.timestamp(), row.name.lower()),
}


@dataclass
class Grid:
    columns: list[Item]
    rows: list[Row]
    sort: str
    stuck_only: bool
    stuck_minutes: int
    item: str
    member_count: int


def room_grid(
    *, cohort: Cohort, sort: str = "name", stuck_only: bool = False, stuck_minutes: int = 10, item: str = ""
) -> Grid:
    items = course_items(course=cohort.course)
    columns = [i for i in items if i.key == item] or items
    rows = room_rows(cohort=cohort, items=items, stuck_minutes=stuck_minutes)
    member_count = len(rows)
    if stuck_only:
        rows = [row for row in rows if row.stuck]
    rows.sort(key=SORTS.get(sort, SORTS["name"]))
    for row in rows:
        row.shown = [row.cells[column.key] for column in columns]
    return Grid(
        columns=columns,
        rows=rows,
        sort=sort if sort in SORTS else "name",
        stuck_only=stuck_only,
        stuck_minutes=stuck_minutes,
        item=item if len(columns) == 1 and len(items) > 1 else "",
        member_count=member_count,
    )


def gradebook(*, cohort: Cohort) -> tuple[list[str], list[list]]:
    """Header and one row per member: name, username, lessons done, each quiz's and lab's best score (%), then how
    many of those are graded and the mean of the graded ones (%). Items not yet graded are left out of the mean,
    not counted as 0, which is why the count sits beside it."""
    items = course_items(course=cohort.course)
    quizzes = [i for i in items if i.kind == "quiz"]
    labs = [i for i in items if i.kind == "lab"]
    rows = room_rows(cohort=cohort, items=items)
    header = ["learner", "username", "lessons_done"]
    header += [f"quiz:{q.slug}" for q in quizzes] + [f"lab:{lab.slug}" for lab in labs]
    header += ["graded_items", "mean_of_graded_pct"]
    body = []
    for row in sorted(rows, key=lambda r: r.name.lower()):
        lessons_done = sum(1 for i in items if i.kind == "lesson" and row.cells[i.key].state == "done")
        scores = [row.cells[i.key].score for i in quizzes + labs]
        shown = ["" if s is None else round(s, 1) for s in scores]
        graded = [s for s in scores if s is not None]
        mean = round(sum(graded) / len(graded), 1) if graded else ""
        body.append([row.name, row.username, lessons_done, *shown, len(graded), mean])
    return header, body

"""Load content/ in one transaction: courses and lessons first, then each course's quizzes and labs beside them.

Validation runs to the end and reports every problem (file, line, what is wrong) before anything is written, so a
bad edit never leaves the site half-loaded. Loading is idempotent (see `courses.content.loader` for what that means
for lessons).
"""

from pathlib import Path

from django.db import transaction

from courses.content.loader import LoadReport, course_save, parse_courses
from courses.release import content_version_bump
from labs.catalog import labs_sync
from labs.loader import load_course_labs
from quizzes.loader import load_course_quizzes


def load_content(content_dir: Path) -> LoadReport:
    courses = parse_courses(content_dir)
    report = LoadReport()
    with transaction.atomic():
        for parsed in courses:
            course, lessons = course_save(parsed=parsed, report=report)
            # Quizzes and labs live beside the lessons; their loaders validate and write in the same transaction.
            load_course_quizzes(course=course, course_dir=parsed.directory, lessons=lessons)
            load_course_labs(course=course, course_dir=parsed.directory)
            labs_sync(course=course, course_dir=parsed.directory)
        # Every load is a release: pages cached under the old version are rebuilt from what was just written.
        content_version_bump()
    return report

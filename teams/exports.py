"""The admin's report as CSV and JSON: one row per assigned person."""

from accounts.names import display_name
from config.spreadsheets import csv_text
from teams.models import Assessment
from teams.standing import Progress


def report_rows(assessment: Assessment, report: list[Progress]) -> list[dict]:
    rows = []
    for progress in report:
        assignment = progress.assignment
        row = {
            "username": assignment.user.get_username(),
            "name": display_name(assignment.user),
            "email": assignment.user.email,
            "status": progress.status,
            "score": progress.score,
            "passed_at": assignment.passed_at.isoformat() if assignment.passed_at else None,
        }
        for part in progress.parts:
            row[f"{part.kind}: {part.title}"] = part.score
        rows.append(row)
    return rows


def report_csv(assessment: Assessment, report: list[Progress]) -> str:
    rows = report_rows(assessment, report)
    columns = list(rows[0]) if rows else ["username", "name", "email", "status", "score", "passed_at"]
    return csv_text(columns, rows)


def report_json(assessment: Assessment, report: list[Progress]) -> dict:
    return {
        "assessment": assessment.title,
        "deadline": assessment.deadline.isoformat(),
        "pass_mark": assessment.pass_mark,
        "people": report_rows(assessment, report),
    }

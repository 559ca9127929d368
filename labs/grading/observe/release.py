"""The release stage: the declared release command (or Django's migrate) run once, as a one-off, before the run."""

from __future__ import annotations

from labs.grading.observe.commands import argv, shell, step
from labs.grading.observe.session import Session


def release(session: Session) -> None:
    types = session.repo.process_types
    entry = types.release or next(iter(types.role("job")), None)
    if entry is not None:
        command, run_argv = entry.command, argv(entry)
        session.report.release_source = f"{entry.cite} {entry.name}"
    elif session.repo.exists("manage.py"):
        command = "python manage.py migrate --noinput"
        run_argv = shell(command)
        session.report.release_source = "admin command"
    else:
        return
    done = session.box.run(run_argv, env=session.env, timeout=session.lab.limits.release_seconds)
    session.report.release = step(command, done)

import json
import os
from datetime import UTC, datetime

from celery import Celery
from celery.signals import setup_logging, worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("academy")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@setup_logging.connect
def use_django_logging(**kwargs) -> None:
    """Keep Celery from installing its own text handlers: the worker logs JSON like the web."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


def say_as_json(message: str, stream=None) -> None:
    """Stand-in for celery.apps.worker.safe_say, which prints plain text from signal handlers.

    Writes one JSON line with a single os.write, which is safe inside a signal handler (no logging locks).
    """
    line = {
        "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
        "level": "INFO",
        "logger": "celery.worker.shutdown",
        "message": message.strip(),
    }
    os.write(1, (json.dumps(line) + "\n").encode())


@worker_init.connect
def run_below_the_web(**kwargs) -> None:
    """Grading and mail wait in a queue; pages have someone waiting on them (labs/sandbox/priority.py)."""
    from labs.sandbox.priority import lower_this_process
    from labs.sandbox.settings import SandboxSettings

    lower_this_process(SandboxSettings.from_env().nice)


@worker_init.connect
def keep_stdout_json(**kwargs) -> None:
    # "worker: Warm shutdown (MainProcess)" is printed, not logged; route it through our JSON writer.
    import celery.apps.worker

    celery.apps.worker.safe_say = say_as_json

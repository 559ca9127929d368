"""The notes' backing store: a SQLite database."""

import sqlite3

from notes import settings


def connect() -> sqlite3.Connection:
    if not settings.DATABASE_URL.startswith("sqlite:///"):
        raise RuntimeError("this service supports sqlite:/// URLs only")
    connection = sqlite3.connect(settings.DATABASE_URL.removeprefix("sqlite:///"), timeout=10, isolation_level=None)
    connection.row_factory = sqlite3.Row
    return connection

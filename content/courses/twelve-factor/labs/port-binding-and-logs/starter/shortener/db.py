"""The shortener's backing store: the SQLite database named by DATABASE_URL."""

import os
import sqlite3


def connect() -> sqlite3.Connection:
    url = os.environ["DATABASE_URL"]
    if not url.startswith("sqlite:///"):
        raise RuntimeError("this service supports sqlite:/// URLs only")
    connection = sqlite3.connect(url.removeprefix("sqlite:///"), timeout=10, isolation_level=None)
    connection.row_factory = sqlite3.Row
    return connection

"""Release phase: create the tables once, before the new release serves."""

from guestbook.db import connect

SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    message TEXT NOT NULL,
    hidden INTEGER NOT NULL DEFAULT 0
);
"""

if __name__ == "__main__":
    connect().executescript(SCHEMA)
    print("guestbook: schema ready")

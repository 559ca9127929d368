"""Release phase: create the notes table once, before the new release serves."""

from notes.db import connect

SCHEMA = """
CREATE TABLE IF NOT EXISTS notes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    text TEXT NOT NULL,
    created TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
);
"""

if __name__ == "__main__":
    connect().executescript(SCHEMA)
    print("notes: schema ready")

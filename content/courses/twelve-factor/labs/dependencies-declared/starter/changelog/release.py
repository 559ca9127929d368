"""Release phase: create the releases table once, before the new release serves."""

from changelog.db import connect

SCHEMA = """
CREATE TABLE IF NOT EXISTS releases (
    version TEXT PRIMARY KEY,
    released_at TEXT NOT NULL,
    notes TEXT NOT NULL
);
"""

if __name__ == "__main__":
    connect().executescript(SCHEMA)
    print("changelog: schema ready")

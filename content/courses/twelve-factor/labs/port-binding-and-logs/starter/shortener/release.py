"""Release phase: create the links table once, before the new release serves."""

from shortener.db import connect

SCHEMA = """
CREATE TABLE IF NOT EXISTS links (
    code TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    visits INTEGER NOT NULL DEFAULT 0
);
"""

if __name__ == "__main__":
    connect().executescript(SCHEMA)
    print("shortener: schema ready")

"""Release phase: create the votes table once, before the new release serves."""

from quotes.db import connect

SCHEMA = """
CREATE TABLE IF NOT EXISTS votes (
    quote_id INTEGER PRIMARY KEY,
    count INTEGER NOT NULL DEFAULT 0
);
"""

if __name__ == "__main__":
    connect().executescript(SCHEMA)
    print("quotes: schema ready")

CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    capacity INTEGER NOT NULL
);

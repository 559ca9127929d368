CREATE TABLE tickets (
    id INTEGER PRIMARY KEY,
    event_id INTEGER NOT NULL REFERENCES events (id),
    buyer TEXT NOT NULL
);

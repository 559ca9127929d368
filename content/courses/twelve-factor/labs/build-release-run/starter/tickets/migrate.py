"""Apply the SQL files in tickets/migrations/ that have not run yet, in name order."""

from pathlib import Path

from sqlalchemy import text

from tickets.db import engine

MIGRATIONS = Path(__file__).with_name("migrations")


def migrate(*, fresh: bool = False) -> list[str]:
    applied = []
    with engine.begin() as connection:
        if fresh:
            for table in ("tickets", "events", "schema_migrations"):
                connection.execute(text(f"DROP TABLE IF EXISTS {table}"))
        connection.execute(text("CREATE TABLE IF NOT EXISTS schema_migrations (name TEXT PRIMARY KEY)"))
    for path in sorted(MIGRATIONS.glob("*.sql")):
        with engine.begin() as connection:
            claimed = connection.execute(
                text("INSERT INTO schema_migrations (name) VALUES (:name) ON CONFLICT DO NOTHING"), {"name": path.name}
            ).rowcount
            if claimed:
                for statement in filter(str.strip, path.read_text().split(";")):
                    connection.execute(text(statement))
                applied.append(path.name)
    return applied


if __name__ == "__main__":
    print("applied:", ", ".join(migrate()) or "nothing new")

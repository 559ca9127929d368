"""The database: PostgreSQL in production; on a laptop, a SQLite file so nobody has to install anything."""

import os

from sqlalchemy import create_engine

engine = create_engine(os.environ.get("DATABASE_URL", "sqlite:///dev.sqlite3"))

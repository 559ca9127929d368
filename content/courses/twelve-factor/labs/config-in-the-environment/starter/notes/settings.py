"""Everything the notes service needs to know about where it runs."""

import os

from dotenv import load_dotenv

load_dotenv()  # picks up the .env file that sits next to the code

SECRET_KEY = "n0tes-s1gning-k3y-8d2f6c1e9a7b4035"
DATABASE_URL = "sqlite:///notes.db"
ADMIN_TOKEN = os.environ.get("ADMIN_TOKEN", "")

DEBUG = False
if os.environ.get("APP_ENV") == "development":
    DEBUG = True

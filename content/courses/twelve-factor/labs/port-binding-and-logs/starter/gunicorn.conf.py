"""Gunicorn settings, written for the old VM where nginx ran on the same machine."""

import os

bind = "127.0.0.1:" + os.environ.get("PORT", "5000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
graceful_timeout = 15

# Kept next to the app so `tail -f logs/*.log` shows everything on the box.
accesslog = "logs/access.log"
errorlog = "logs/error.log"

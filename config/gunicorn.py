"""gunicorn settings, all from the environment: bind 0.0.0.0:$PORT, WEB_CONCURRENCY workers, JSON logs."""

import os

from config.logging import build_logging_config

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Threads let a worker keep client connections alive and overlap database waits; sync workers close every connection.
worker_class = "gthread"
# The master imports the app once and forks its workers from it: ready in about half the time (each worker used to
# import Django, the apps and Celery on its own, all at once on a small box) and the workers share those pages.
# Nothing opens a connection at import time, so no socket is shared across the fork.
preload_app = True
threads = int(os.environ.get("WEB_THREADS", "4"))
# On SIGTERM, workers stop accepting and get this long to finish in-flight requests; keep it under the platform's
# own kill window (Heroku and Kubernetes default to 30 s).
graceful_timeout = int(os.environ.get("GRACEFUL_TIMEOUT", "25"))
timeout = int(os.environ.get("WEB_TIMEOUT", "30"))
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

accesslog = "-"
errorlog = "-"
access_log_format = "%(m)s %(U)s %(s)s %(M)sms"
logconfig_dict = build_logging_config(os.environ.get("LOG_LEVEL", "INFO").upper())
# gunicorn 24+ opens a control socket under $HOME by default: a file outside the app that nothing here uses.
control_socket_disable = True

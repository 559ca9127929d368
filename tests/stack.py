"""A whole site on throwaway backing services, started from the Procfile like a platform would, for tests that
need real processes (a Celery worker grading, a worker killed mid-job, a broker outage) and for benchmarks.

The services follow the environment the suite runs in: PostgreSQL and Redis when DATABASE_URL and CELERY_BROKER_URL
point at them (CI), else a SQLite file and the server-less SQLAlchemy broker (a newcomer's machine). Either way the
stack gets its own database, broker namespace and media folder, so it never touches the developer's data.
"""

import json
import os
import re
import secrets
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

from tests.conftest import REPO_ROOT, ProcfileProcess, free_port, process_env, procfile_command, wait_for_http

REDIS_STACK_DB = 7


def service_env(tmp: Path) -> tuple[dict[str, str], callable]:
    """Environment for an isolated stack, and a function that tears its services down."""
    database_url = os.environ.get("DATABASE_URL", "")
    broker_url = os.environ.get("CELERY_BROKER_URL", "")
    env = {"MEDIA_ROOT": str(tmp / "media"), "LOG_LEVEL": "INFO"}
    cleanups = []
    if database_url.startswith(("postgres://", "postgresql://")):
        import psycopg

        name = f"academy_stack_{secrets.token_hex(4)}"
        admin = urllib.parse.urlsplit(database_url)._replace(path="/postgres").geturl()
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')

        def drop() -> None:
            with psycopg.connect(admin, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

        cleanups.append(drop)
        env["DATABASE_URL"] = urllib.parse.urlsplit(database_url)._replace(path=f"/{name}").geturl()
    else:
        env["DATABASE_URL"] = f"sqlite:///{tmp / 'academy.sqlite3'}"
    if broker_url.startswith("redis://"):
        base = broker_url.rsplit("/", 1)[0]
        env["CELERY_BROKER_URL"] = f"{base}/{REDIS_STACK_DB}"
        env["CELERY_RESULT_BACKEND"] = f"{base}/{REDIS_STACK_DB}"
        env["CACHE_URL"] = f"{base}/{REDIS_STACK_DB}"
        flush = ["redis-cli", "-u", f"{base}/{REDIS_STACK_DB}", "flushdb"]
        subprocess.run(flush, check=True, capture_output=True)
        cleanups.append(lambda: subprocess.run(flush, capture_output=True))
    else:
        env["CELERY_BROKER_URL"] = f"sqla+sqlite:///{tmp / 'broker.sqlite3'}"
        env["CELERY_RESULT_BACKEND"] = f"db+sqlite:///{tmp / 'results.sqlite3'}"
        env["CACHE_URL"] = "dbcache://django_cache"

    def teardown() -> None:
        for cleanup in cleanups:
            cleanup()

    return env, teardown


class Stack:
    def __init__(self, tmp: Path, **overrides: str) -> None:
        self.tmp = tmp
        self.env, self._teardown = service_env(tmp)
        self.env.update(overrides)
        self.processes: list[ProcfileProcess] = []
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"

    def release(self) -> None:
        subprocess.run(
            ["sh", "-c", procfile_command("release")], cwd=REPO_ROOT, env=process_env(**self.env), check=True,
            capture_output=True, timeout=240,
        )  # fmt: skip

    def start(self, process_type: str, **env: str) -> ProcfileProcess:
        extra = {"PORT": str(self.port), "WEB_CONCURRENCY": "2"} if process_type == "web" else {}
        log_path = self.tmp / f"{process_type}-{len(self.processes)}.log"
        process = ProcfileProcess(process_type, log_path=log_path, **{**self.env, **extra, **env})
        self.processes.append(process)
        if process_type == "web":
            wait_for_http(self.url + "/healthz", timeout=30)
        return process

    def manage(self, *args: str, **env: str) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=REPO_ROOT, env=process_env(**{**self.env, **env}),
            capture_output=True, text=True, timeout=120, check=True,
        )  # fmt: skip
        return result.stdout

    def query(self, code: str, **env: str):
        """Run Python with Django set up against the stack's database; `code` assigns its answer to `result`.
        `env` overrides the stack's environment for this process only (a broker that is down, say)."""
        wrapped = f"import json\n{code}\nprint('@@' + json.dumps(result, default=str))"
        return json.loads(self.manage("shell", "-c", wrapped, **env).rsplit("@@", 1)[1])

    def kill_worker(self, process: ProcfileProcess) -> None:
        """kill -9 a worker and every process in its session (pool children, the sandbox under them)."""
        os.killpg(process.popen.pid, signal.SIGKILL)
        process.popen.wait(timeout=10)

    def stop(self) -> None:
        for process in self.processes:
            process.kill()
        self._teardown()


class Learner:
    """A browser-less learner: signs up and submits over HTTP like the real pages do."""

    def __init__(self, stack: Stack) -> None:
        self.base = stack.url
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        self.username = f"learner-{secrets.token_hex(3)}"
        password = secrets.token_urlsafe(12)
        self.post_form("/accounts/sign-up/", {"username": self.username, "password1": password, "password2": password})

    def get(self, path: str) -> str:
        return self.opener.open(self.base + path, timeout=120).read().decode()

    def _token(self, path: str) -> str:
        return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', self.get(path)).group(1)

    def post_form(self, path: str, fields: dict[str, str]):
        data = urllib.parse.urlencode({**fields, "csrfmiddlewaretoken": self._token(path)}).encode()
        request = urllib.request.Request(self.base + path, data=data, headers={"Referer": self.base + "/"})
        return self.opener.open(request, timeout=30)

    def submit(self, lab: str, archive: bytes, filename: str = "repo.zip") -> str:
        """Upload an archive to a lab; returns the status page's path."""
        page = f"/courses/twelve-factor/labs/{lab}/"
        boundary = "----academy" + secrets.token_hex(8)
        token = self._token(page)
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n{token}\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="archive"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        )
        body = head.encode() + archive + f"\r\n--{boundary}--\r\n".encode()
        request = urllib.request.Request(
            self.base + page + "submit/", data=body,
            headers={"Content-Type": f"multipart/form-data; boundary={boundary}", "Referer": self.base + "/"},
        )  # fmt: skip
        response = self.opener.open(request, timeout=180)
        return urllib.parse.urlsplit(response.geturl()).path

    def answer_quiz(self, quiz: str, course: str = "twelve-factor") -> int:
        """Open an attempt (or the open one) and answer each question that offers a choice with its first option,
        the way a learner clicking through would; returns how many answers were posted."""
        page = f"/courses/{course}/quizzes/{quiz}/"
        data = urllib.parse.urlencode({"csrfmiddlewaretoken": self._token(page)}).encode()
        started = self.opener.open(
            urllib.request.Request(self.base + page + "start/", data=data, headers={"Referer": self.base + "/"}),
            timeout=30,
        )
        attempt = urllib.parse.urlsplit(started.geturl()).path
        posted = 0
        for position in range(1, 100):
            page = self.get(f"{attempt}?q={position}")
            choice = re.search(rf'name="q{position}-answer" value="([^"]+)"', page)
            if choice is None:
                if f'data-question="{position}"' not in page:
                    return posted
                continue  # a question without choices (ordering, text): this learner leaves it
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
            data = urllib.parse.urlencode({"answer": choice.group(1), "csrfmiddlewaretoken": token}).encode()
            request = urllib.request.Request(
                f"{self.base}{attempt}questions/{position}/", data=data, headers={"Referer": self.base + "/"}
            )
            self.opener.open(request, timeout=30)
            posted += 1
        return posted

    def status(self, path: str) -> tuple[str, int | None]:
        html = self.get(path)
        status = re.search(r'class="badge badge-(\w+)">', html).group(1)
        score = re.search(r'Score <strong class="score">(\d+)', html)
        return status, int(score.group(1)) if score else None

    def wait_for(self, path: str, statuses: tuple[str, ...], timeout: float = 180, interval: float = 0.2):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status, score = self.status(path)
            if status in statuses:
                return status, score
            time.sleep(interval)
        raise TimeoutError(f"{path} never reached {statuses}; last status {status}")

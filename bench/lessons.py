"""Lesson page throughput for a signed-in learner, against an equal-size static file served by WhiteNoise from the
same gunicorn server in the same run. Target (DESIGN §9): ratio ≥ 0.6 and lesson p99 < 50 ms at 16 connections.

Uses the environment's database (the embedded SQLite by default) after running the release step on it.
"""

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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _loadgen import run_load  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from tests.conftest import free_port, procfile_command  # noqa: E402

LESSON_PATH = "/courses/twelve-factor/disposability/"
SECONDS = float(os.environ.get("BENCH_SECONDS", "6"))
CONCURRENCY = 16


def manage(*args: str, env: dict) -> str:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, check=True, capture_output=True, text=True
    ).stdout


def log_in(base: str, username: str, password: str) -> str:
    jar = CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    form = opener.open(f"{base}/accounts/login/").read().decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
    data = urllib.parse.urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token}).encode()
    opener.open(urllib.request.Request(f"{base}/accounts/login/", data=data, headers={"Referer": base + "/"}))
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


def main() -> None:
    env = dict(os.environ)
    env.setdefault("SECRET_KEY", "bench-" + secrets.token_urlsafe(40))
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    port = free_port()
    env.update(PORT=str(port), WEB_CONCURRENCY=env.get("WEB_CONCURRENCY", "2"), LOG_LEVEL="WARNING")
    manage("migrate", "--noinput", env=env)
    manage("createcachetable", env=env)
    manage("load_content", env=env)
    username, password = "bench-learner", secrets.token_urlsafe(16)
    manage(
        "shell",
        "-c",
        "from django.contrib.auth.models import User;"
        f"u, _ = User.objects.get_or_create(username='{username}'); u.set_password('{password}'); u.save();"
        "from courses.models import Lesson, LessonProgress; from django.utils import timezone;"
        "[LessonProgress.objects.get_or_create(user=u, lesson=l, defaults={'completed_at': timezone.now()})"
        " for l in Lesson.objects.filter(slug__in=['history', 'codebase', 'config'])]",
        env=env,
    )

    server = subprocess.Popen(
        ["sh", "-c", "exec " + procfile_command("web")], cwd=REPO, env=env, stdout=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.05)
        cookie = log_in(base, username, password)
        page = urllib.request.urlopen(urllib.request.Request(base + LESSON_PATH, headers={"Cookie": cookie})).read()
        assert b"bench-learner" in page, "not signed in"
        static_url = find_static_of_size(base, len(page))

        lesson = run_load(base + LESSON_PATH, concurrency=CONCURRENCY, seconds=SECONDS, headers={"Cookie": cookie})
        static = run_load(static_url[0], concurrency=CONCURRENCY, seconds=SECONDS)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)

    print(
        f"lessons: signed-in lesson page ({len(page) // 1024} KiB) {lesson.rps:.0f} req/s, p50 {lesson.p50:.1f} ms, "
        f"p99 {lesson.percentile(99):.1f} ms, {lesson.errors} errors | WhiteNoise static file "
        f"({static_url[1] // 1024} KiB) {static.rps:.0f} req/s, p99 {static.percentile(99):.1f} ms | "
        f"ratio {lesson.rps / static.rps:.2f} (target ≥ 0.6; lesson p99 target < 50 ms at {CONCURRENCY} connections)"
    )


def find_static_of_size(base: str, size: int) -> tuple[str, int]:
    """The collected static file closest in size to the page (WhiteNoise only serves files it saw at start-up)."""
    root = REPO / "staticfiles"
    candidates = [p for p in root.rglob("*") if p.is_file() and not p.name.endswith((".gz", ".br"))]
    best = min(candidates, key=lambda p: abs(p.stat().st_size - size))
    return f"{base}/static/{best.relative_to(root).as_posix()}", best.stat().st_size


if __name__ == "__main__":
    main()

"""Page throughput against an equal-size static file served by WhiteNoise from the same gunicorn server in the same
run, at 16 connections, each request sending the cookies a browser would after a first visit: the lesson page
signed in (with progress) and anonymous, the syllabus and the home page signed in. Targets (DESIGN §9): signed-in
lesson ≥ 0.6 × static with p99 < 50 ms, anonymous lesson ≥ 0.8 ×, syllabus and home signed in ≥ 0.4 ×.

Uses the environment's database and cache (the embedded SQLite by default) after running the release step on them.
Load comes from `wrk` when installed (`make bench` installs it when root on Debian), else from bench/_loadgen.py.
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
from _wrk import generator, load  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
from tests.conftest import free_port, procfile_command  # noqa: E402

LESSON_PATH = "/courses/twelve-factor/disposability/"
SYLLABUS_PATH = "/courses/twelve-factor/"
SECONDS = float(os.environ.get("BENCH_SECONDS", "2"))
# The page and the static file are measured in alternating rounds and the ratio of their median rates is reported:
# with keep-alive connections, which worker holds how many of them is chance, and one round alone swings by a third.
ROUNDS = int(os.environ.get("BENCH_ROUNDS", "5"))
CONCURRENCY = 16
# (name, path, signed in, target ratio to static, p99 target in ms or None)
PAGES = [
    ("signed-in lesson", LESSON_PATH, True, 0.6, 50.0),
    ("anonymous lesson", LESSON_PATH, False, 0.8, None),
    ("signed-in syllabus", SYLLABUS_PATH, True, 0.4, None),
    ("signed-in home", "/", True, 0.4, None),
]


def manage(*args: str, env: dict) -> str:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO, env=env, check=True, capture_output=True, text=True
    ).stdout


class Browser:
    """Keeps the cookies a page sets, as a browser does, so the load repeats what a reader's next visit sends."""

    def __init__(self, base: str) -> None:
        self.base, self.jar = base, CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def get(self, path: str) -> bytes:
        return self.opener.open(self.base + path).read()

    def log_in(self, username: str, password: str) -> None:
        form = self.get("/accounts/login/").decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)
        fields = {"username": username, "password": password, "csrfmiddlewaretoken": token}
        data = urllib.parse.urlencode(fields).encode()
        self.opener.open(
            urllib.request.Request(f"{self.base}/accounts/login/", data=data, headers={"Referer": self.base + "/"})
        )

    def cookie_header(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{cookie.name}={cookie.value}" for cookie in self.jar)} if self.jar else {}


def wait_healthy(base: str) -> None:
    for _ in range(400):
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1)
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError("web did not answer /healthz")


def main() -> None:
    env = dict(os.environ)
    env.setdefault("SECRET_KEY", "bench-" + secrets.token_urlsafe(40))
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    port = free_port()
    cores = os.cpu_count() or 1
    env.update(PORT=str(port), WEB_CONCURRENCY=env.get("WEB_CONCURRENCY", str(cores)), LOG_LEVEL="WARNING")
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
    database = env.get("DATABASE_URL", "sqlite (embedded)").split(":", 1)[0]
    cache = env.get("CACHE_URL", "dbcache").split(":", 1)[0]
    print(
        f"pages: {cores} cores, WEB_CONCURRENCY={env['WEB_CONCURRENCY']}, {database} + {cache} cache, "
        f"load from {generator()}, {CONCURRENCY} connections, {SECONDS:.0f} s each"
    )
    try:
        wait_healthy(base)
        learner = Browser(base)
        learner.log_in(username, password)
        for name, path, signed_in, target, p99_target in PAGES:
            # A first visit, whose cookies (the CSRF secret, the last lesson) the reader's next requests send.
            browser = learner if signed_in else Browser(base)
            page = browser.get(path)
            assert (b"bench-learner" in page) == signed_in, f"{name}: signed in is not {signed_in}"
            headers = browser.cookie_header()
            static_url, static_size = find_static_of_size(base, len(page))
            pages, statics = [], []
            workers = int(env["WEB_CONCURRENCY"])
            for _ in range(ROUNDS):
                pages.append(
                    load(base + path, concurrency=CONCURRENCY, seconds=SECONDS, headers=headers, workers=workers)
                )
                statics.append(load(static_url, concurrency=CONCURRENCY, seconds=SECONDS, workers=workers))
            measured = sorted(pages, key=lambda result: result.rps)[ROUNDS // 2]
            static = sorted(statics, key=lambda result: result.rps)[ROUNDS // 2]
            ratio = measured.rps / static.rps
            each_round = ", ".join(f"{page.rps / file.rps:.2f}" for page, file in zip(pages, statics, strict=True))
            met = ratio >= target and (p99_target is None or measured.percentile(99) < p99_target)
            p99_text = f"; p99 < {p99_target:.0f} ms" if p99_target else ""
            print(
                f"  {name} ({len(page) // 1024} KiB): {measured.rps:.0f} req/s, p50 {measured.p50:.1f} ms, "
                f"p99 {measured.percentile(99):.1f} ms, {sum(r.errors for r in pages)} errors | static "
                f"({static_size // 1024} KiB) {static.rps:.0f} req/s, p99 {static.percentile(99):.1f} ms | ratio "
                f"{ratio:.2f} of the median rates (rounds: {each_round}) "
                f"(target ≥ {target}{p99_text}: {'met' if met else 'NOT met'})"
            )
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def find_static_of_size(base: str, size: int) -> tuple[str, int]:
    """The collected static file closest in size to the page (WhiteNoise only serves files it saw at start-up)."""
    root = REPO / "staticfiles"
    candidates = [p for p in root.rglob("*") if p.is_file() and not p.name.endswith((".gz", ".br"))]
    best = min(candidates, key=lambda p: abs(p.stat().st_size - size))
    return f"{base}/static/{best.relative_to(root).as_posix()}", best.stat().st_size


if __name__ == "__main__":
    main()

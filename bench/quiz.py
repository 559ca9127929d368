"""Quiz answer latency: the htmx answer POST at 16 concurrent learners against a real gunicorn `web` process (the
Procfile's) on PostgreSQL, with /healthz on the same server at the same concurrency as the same-run baseline.

    DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/NAME CACHE_URL=redis://HOST:6379/3 python bench/quiz.py

Needs PostgreSQL at DATABASE_URL (the database is created if the role may) and, for the production-like cache the
rate limit counts in, Redis at CACHE_URL (unset: the database cache).
Every request is a real write: learners answer the final bank (feedback after submit), alternating a right and a
wrong answer, so each POST grades and updates an answer. Each POST carries the headers htmx sends from the attempt
page (HX-Request, and HX-Target: the question's status line the page swaps on a change). 64 learners share the 16
connections; the per-learner rate limit counts every answer (its round trip stays in the path) under a ceiling the
bench cannot reach. Target (DESIGN §9): answer p95 ≤ 3 × /healthz p95, same run.

The load comes from `wrk` (bench/_wrk.py: keep-alive connections, a C client that does not compete in Python with
the server; a Lua script sends the prepared answers in turn), else from Python threads (one connection a request).
"""

import http.client
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

sys.path.insert(0, str(REPO / "bench"))
from _wrk import generator, load  # noqa: E402

from tests.conftest import free_port, procfile_command  # noqa: E402

CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "16"))
REQUESTS = int(os.environ.get("BENCH_REQUESTS", "1600"))  # with Python threads
SECONDS = float(os.environ.get("BENCH_SECONDS", "5"))  # with wrk
LEARNERS = int(os.environ.get("BENCH_LEARNERS", "64"))
DATABASE_URL = os.environ.get("DATABASE_URL", "")
CACHE_URL = os.environ.get("CACHE_URL", "dbcache://django_cache")
SECRET_KEY = os.environ.get("SECRET_KEY", "bench-secret-key-" + "x" * 40)


def server_env(port: int) -> dict[str, str]:
    env = dict(os.environ, PORT=str(port), DATABASE_URL=DATABASE_URL, CACHE_URL=CACHE_URL, SECRET_KEY=SECRET_KEY)
    env.setdefault("WEB_CONCURRENCY", str(os.cpu_count() or 2))
    # Counted on every answer as in production, never reached: a 429 would time the refusal, not the answer.
    env["QUIZ_ANSWERS_PER_MINUTE"] = "1000000"
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    env.setdefault("LOG_LEVEL", "WARNING")
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


def ensure_database() -> None:
    import psycopg

    url = urllib.parse.urlparse(DATABASE_URL)
    name = url.path.lstrip("/")
    admin = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def release(env: dict[str, str]) -> None:
    for command in (["migrate", "--noinput"], ["createcachetable"], ["load_content"]):
        subprocess.run([sys.executable, "manage.py", *command], cwd=REPO, env=env, check=True, capture_output=True)


def prepare_learners(env: dict[str, str]) -> list[dict]:
    """Sign learners in (sessions in the database, as the web process reads them) and open an attempt each."""
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "CACHE_URL", "SECRET_KEY")})
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import django

    django.setup()
    from django.contrib.auth.models import User
    from django.test import Client

    from quizzes.models import Answer, Attempt, Quiz
    from quizzes.services import attempt_start
    from tests.quizzes.conftest import answer_data

    quiz = Quiz.objects.get(course__slug="twelve-factor", slug="final")
    learners = []
    for n in range(LEARNERS):
        user, _ = User.objects.get_or_create(username=f"bench-learner-{n}")
        Attempt.objects.filter(user=user, quiz=quiz).delete()
        attempt = attempt_start(user=user, quiz=quiz)
        client = Client(HTTP_HOST="127.0.0.1")  # as the timed requests send it (ALLOWED_HOSTS refuses "testserver")
        client.force_login(user)
        items = list(attempt.items.select_related("version").order_by("position"))
        prefix = f"/courses/twelve-factor/quizzes/final/attempts/{attempt.number}/questions/"
        # The element each question's answer swaps, as its page tells htmx (sent as HX-Target). The final bank shows
        # one question at a time, so each question's target is read from the page that shows it.
        targets: dict[str, str] = {}
        for item in items:
            page = client.get(f"{prefix.removesuffix('questions/')}?q={item.position}").content.decode()
            targets.update(re.findall(r'<section [^>]*hx-post="([^"]+)"[^>]*hx-target="#([^"]+)"', page))
        assert len(targets) == len(items), "every question's page names the element its answer swaps"
        bodies = [
            (
                f"{prefix}{item.position}/",
                urllib.parse.urlencode(answer_data(attempt, item, right=right), doseq=True),
                targets.get(f"{prefix}{item.position}/", ""),
            )
            for item in items
            for right in (True, False)
        ]
        learners.append({"session": client.cookies["sessionid"].value, "bodies": bodies, "next": 0})
    assert not Answer.objects.filter(attempt__user__username__startswith="bench-learner-").exists()
    return learners


def start_web(env: dict[str, str]) -> subprocess.Popen:
    process = subprocess.Popen(
        ["sh", "-c", "exec " + procfile_command("web")],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", int(env["PORT"]), timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise TimeoutError("web did not answer /healthz")


CSRF = "b" * 32  # Django accepts a token equal to the csrftoken cookie; htmx sends it in X-CSRFToken.


def answer_headers(session: str, target: str) -> dict[str, str]:
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": f"sessionid={session}; csrftoken={CSRF}",
        "X-CSRFToken": CSRF,
        "HX-Request": "true",
        "Host": "127.0.0.1",
    }
    if target:
        headers["HX-Target"] = target
    return headers


# wrk's side: each thread reads the prepared answers (one a line: path, body, then headers as name=value, all
# tab-separated; written by answers_file) and sends every `threads`-th of them in turn from its own offset, so the
# learners' answers go out interleaved as the Python threads send them.
ANSWERS_SCRIPT = """
local prepared, position, stride = {}, 0, 1
local threads_started = 0
function setup(thread)
  threads_started = threads_started + 1
  thread:set("thread_number", threads_started)
end
function init(args)
  for line in io.lines(args[1]) do
    local fields = {}
    for field in string.gmatch(line, "[^\t]+") do fields[#fields + 1] = field end
    local headers = {}
    for i = 3, #fields do
      local name, value = string.match(fields[i], "^([^=]+)=(.*)$")
      headers[name] = value
    end
    prepared[#prepared + 1] = wrk.format("POST", fields[1], headers, fields[2])
  end
  stride = tonumber(args[2])
  position = thread_number - 1
end
function request()
  local next_request = prepared[position % #prepared + 1]
  position = position + stride
  return next_request
end
"""
WRK_THREADS = 2  # bench/_wrk.py runs wrk with two threads


def answers_file(learners: list[dict], rounds: int) -> Path:
    """The answers in the order the Python threads send them: learners in turn, each on to their next question."""
    lines = []
    for n in range(rounds * len(learners)):
        learner = learners[n % len(learners)]
        path, body, target = learner["bodies"][(n // len(learners)) % len(learner["bodies"])]
        headers = "\t".join(f"{name}={value}" for name, value in answer_headers(learner["session"], target).items())
        lines.append(f"{path}\t{body}\t{headers}")
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as prepared:
        prepared.write("\n".join(lines) + "\n")
    return Path(prepared.name)


def measure_with_wrk(port: int, learners: list[dict], workers: int) -> str:
    base = f"http://127.0.0.1:{port}"
    prepared = answers_file(learners, rounds=48)  # each learner's 24 questions, right then wrong
    try:
        script_args = (str(prepared), str(WRK_THREADS))

        def answers(seconds: float):
            return load(
                base + "/",
                seconds=seconds,
                concurrency=CONCURRENCY,
                workers=workers,
                requests_script=ANSWERS_SCRIPT,
                script_args=script_args,
            )

        load(base + "/healthz", seconds=1, concurrency=CONCURRENCY, workers=workers, headers={"Host": "127.0.0.1"})
        answers(1)  # warm both workers' caches
        answer = answers(SECONDS)
        health = load(
            base + "/healthz", seconds=SECONDS, concurrency=CONCURRENCY, workers=workers, headers={"Host": "127.0.0.1"}
        )
    finally:
        prepared.unlink()
    p95, h95 = answer.percentile(95), health.percentile(95)
    return (
        f"quiz answer (htmx POST, wrk, {CONCURRENCY} keep-alive connections, {SECONDS:.0f} s, {workers} web workers): "
        f"p50 {answer.p50:.1f} ms, p95 {p95:.1f} ms, {answer.requests / answer.seconds:.0f} answers/s, "
        f"{answer.errors} errors | /healthz same server: p50 {health.p50:.1f} ms, p95 {h95:.1f} ms, "
        f"{health.requests / health.seconds:.0f}/s, {health.errors} errors | ratio p95 {p95 / h95:.1f}x, "
        f"p50 {answer.p50 / health.p50:.1f}x | target p95 ≤ 3 × /healthz: {'met' if p95 <= 3 * h95 else 'NOT met'}"
    )


def run(port: int, make_request, total: int) -> tuple[list[float], dict[int, int]]:
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    counter = iter(range(total))

    def worker(slot: int) -> None:
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                return
            method, path, body, headers = make_request(slot, n)
            started = time.perf_counter()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            elapsed = time.perf_counter() - started
            conn.close()
            with lock:
                latencies.append(elapsed)
                statuses[response.status] = statuses.get(response.status, 0) + 1

    threads = [threading.Thread(target=worker, args=(slot,)) for slot in range(CONCURRENCY)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, statuses


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))] * 1000


def main() -> None:
    if not DATABASE_URL.startswith(("postgres://", "postgresql://")):
        print("quiz: skipped, it measures on PostgreSQL: set DATABASE_URL=postgres://... (the database is created)")
        return
    ensure_database()
    port = free_port()
    env = server_env(port)
    release(env)
    learners = prepare_learners(env)
    lock = threading.Lock()

    def answer_request(slot: int, n: int):
        learner = learners[(slot + CONCURRENCY * (n // CONCURRENCY)) % LEARNERS]
        with lock:
            path, body, target = learner["bodies"][learner["next"] % len(learner["bodies"])]
            learner["next"] += 1
        return "POST", path, body, answer_headers(learner["session"], target)

    def health_request(slot: int, n: int):
        return "GET", "/healthz", None, {"Host": "127.0.0.1"}

    web = start_web(env)
    if generator() == "wrk":
        try:
            print(measure_with_wrk(port, learners, int(env["WEB_CONCURRENCY"])) + f" ({os.cpu_count()} cores)")
        finally:
            web.terminate()
            web.wait(timeout=30)
        return
    try:
        run(port, health_request, 200)  # warm both workers
        run(port, answer_request, 200)
        started = time.perf_counter()
        answers, answer_statuses = run(port, answer_request, REQUESTS)
        answers_seconds = time.perf_counter() - started
        health, health_statuses = run(port, health_request, REQUESTS)
    finally:
        web.terminate()
        web.wait(timeout=30)
    p50, p95 = percentile(answers, 0.5), percentile(answers, 0.95)
    h50, h95 = percentile(health, 0.5), percentile(health, 0.95)
    cache = urllib.parse.urlparse(CACHE_URL).scheme
    print(
        f"quiz answer (htmx POST, PostgreSQL, {cache} cache, {CONCURRENCY} concurrent, {len(answers)} requests, "
        f"statuses {answer_statuses}): p50 {p50:.1f} ms, p95 {p95:.1f} ms | /healthz same server: p50 {h50:.1f} ms, "
        f"p95 {h95:.1f} ms (statuses {health_statuses}) | ratio p95 {p95 / h95:.1f}x, p50 {p50 / h50:.1f}x "
        f"| target p95 ≤ 3 × /healthz: {'met' if p95 <= 3 * h95 else 'NOT met'} "
        f"(mean {statistics.mean(answers) * 1000:.1f} ms, {len(answers) / answers_seconds:.0f} answers/s, "
        f"{os.cpu_count()} cores)"
    )


if __name__ == "__main__":
    main()

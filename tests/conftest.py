"""Shared fixtures: real processes started from the Procfile, and a headless Chromium driven by Playwright."""

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent
ARTIFACTS = REPO_ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
# The grader installs learners' dependencies from the offline wheelhouse in tests: fast, and the same on every
# machine. The tests of the index proxies (tests/grading/test_index.py, tests/hostile/test_index.py) switch to them.
os.environ.setdefault("GRADER_INDEX_URL", "offline")
os.environ.setdefault("GRADER_NPM_URL", "offline")


def procfile_command(process_type: str) -> str:
    for line in (REPO_ROOT / "Procfile").read_text().splitlines():
        name, _, command = line.partition(":")
        if name.strip() == process_type:
            return command.strip()
    raise LookupError(f"no {process_type!r} process in the Procfile")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def process_env(**overrides: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env.setdefault("SECRET_KEY", "test-secret-key-" + "x" * 40)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update(overrides)
    return env


class ProcfileProcess:
    """One Procfile process type, started as a platform would: `sh -c COMMAND` with the environment set."""

    def __init__(self, process_type: str, *, log_path: Path | None = None, **env: str) -> None:
        """`log_path`: write the process's output there. Without it the output is piped to this test, which must
        not outlive the pipe's buffer: a long-running process blocks once nobody reads a full pipe."""
        self.command = procfile_command(process_type)
        self.env = process_env(**env)
        self.started_at = time.monotonic()
        output = log_path.open("ab") if log_path else subprocess.PIPE
        self.popen = subprocess.Popen(
            ["sh", "-c", f"exec {self.command}"],
            cwd=REPO_ROOT,
            env=self.env,
            stdout=output,
            stderr=subprocess.STDOUT if log_path else subprocess.PIPE,
            start_new_session=True,
        )
        if log_path:
            output.close()  # the child holds its own copy

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> tuple[int, str, str]:
        if self.popen.poll() is None:
            self.popen.send_signal(sig)
        try:
            stdout, stderr = self.popen.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.popen.pid, signal.SIGKILL)
            stdout, stderr = self.popen.communicate()
        return self.popen.returncode, (stdout or b"").decode(), (stderr or b"").decode()

    def kill(self) -> None:
        if self.popen.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.popen.pid, signal.SIGKILL)
            self.popen.wait()


def wait_for_http(url: str, timeout: float = 20) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.05)


@pytest.fixture
def start_process() -> Iterator:
    """Start Procfile processes; anything still running at the end of the test is killed."""
    started: list[ProcfileProcess] = []

    def start(process_type: str, **env: str) -> ProcfileProcess:
        process = ProcfileProcess(process_type, **env)
        started.append(process)
        return process

    yield start
    for process in started:
        process.kill()


CONTENT_DIR = REPO_ROOT / "content"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """The test database starts with the real course content loaded, as after a release."""
    from content_loading.loader import load_content

    with django_db_blocker.unblock():
        load_content(CONTENT_DIR)


@pytest.fixture(autouse=True)
def rate_limit_counters_start_at_zero():
    """Rate-limit counters live in the shared cache. The database cache is rolled back with each test; Redis (CI) is
    not, so without this the suite's sign-ups from 127.0.0.1 would add up and trip the limit in a later test."""
    from django.conf import settings
    from django.core.cache import cache

    if "DatabaseCache" not in settings.CACHES["default"]["BACKEND"]:
        cache.clear()


@pytest.fixture(autouse=True)
def process_memory_starts_empty():
    """A web process keeps the pages it served lately (config.session_pages.recent_pages) and the question versions
    of the release (quizzes.release_versions): each test starts as a new process would, with what another test's
    database and cache held gone from its memory too (SQLite hands a rolled-back row's id out again)."""
    from config.session_pages import recent_pages
    from quizzes import release_versions

    recent_pages.clear()
    release_versions.forget_all()


@pytest.fixture
def course_content(db):
    """The loaded content, reloaded if a transactional test emptied the tables before this one."""
    from content_loading.loader import load_content
    from courses.models import Course

    if not Course.objects.filter(slug="twelve-factor").exists():
        load_content(CONTENT_DIR)
    return Course.objects.get(slug="twelve-factor")


@pytest.fixture(scope="session")
def live_server() -> Iterator:
    """pytest-django's live server without its static-files handler, so WhiteNoise serves the built, hashed files
    exactly as it does in production (the handler would look for unhashed names and answer 404)."""
    from pytest_django.live_server_helper import LiveServer

    server = LiveServer("localhost", start=False)
    server.thread.static_handler = lambda handler: handler
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's chromium package")
    # Playwright drives its event loop on this thread; Django's ORM calls from the test itself stay synchronous.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


VIEWPORT = {"width": 1280, "height": 900}


def watch_js_errors(page):
    """Collect the page's uncaught errors and console errors in `page.js_errors`, for a test to assert empty."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
    page.js_errors = errors
    return page


@pytest.fixture
def page(browser, live_server):
    """A signed-out browser page on the live server."""
    context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT)
    yield watch_js_errors(context.new_page())
    context.close()


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture
def site_stack(tmp_path) -> Iterator:
    """Make whole-site stacks (tests.stack.Stack) on throwaway services; every process is killed afterwards."""
    from tests.stack import Stack

    stacks = []

    def make(**overrides: str):
        folder = tmp_path / f"stack{len(stacks)}"
        folder.mkdir()
        stack = Stack(folder, **overrides)
        stacks.append(stack)
        stack.release()
        return stack

    yield make
    for stack in stacks:
        stack.stop()


@pytest.fixture(scope="session")
def index_proxy(tmp_path_factory) -> Iterator:
    """The Procfile's `index` process mirroring the real PyPI, with an empty cache for this test session."""
    from tests.index_proxy import IndexProxy

    proxy = IndexProxy(tmp_path_factory.mktemp("index-proxy"))
    yield proxy
    proxy.stop()


@pytest.fixture
def through_index(index_proxy, monkeypatch):
    """Grades in this test install learners' dependencies through the index proxy, not the offline wheelhouse."""
    for name, value in index_proxy.env.items():
        monkeypatch.setenv(name, value)
    return index_proxy


@pytest.fixture(scope="session")
def npm_proxy(tmp_path_factory) -> Iterator:
    """The Procfile's `npm-index` process mirroring the real npm registry, with an empty cache for this session."""
    from labs.grading import index
    from tests.index_proxy import IndexProxy

    proxy = IndexProxy(tmp_path_factory.mktemp("npm-proxy"), kind=index.NPM)
    yield proxy
    proxy.stop()


@pytest.fixture
def through_npm(npm_proxy, monkeypatch):
    """Grades in this test install Node packages through the npm registry proxy."""
    for name, value in npm_proxy.env.items():
        monkeypatch.setenv(name, value)
    return npm_proxy

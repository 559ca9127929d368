"""One reader per descriptor file, in order of precedence: the Procfile, the platforms' files, then containers.

Each reader takes the repository, the file it found and a list to append notes to, and returns the process types
the file declares, each with its line. It raises Malformed for a file it cannot parse; the caller ignores that
file with a note. YAML is read with a SafeLoader (plus the line of each mapping key), TOML with tomllib, JSON with
json; all from the capped text Repo.text returns, and no bigger than MAX_DESCRIPTOR_BYTES.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import yaml

from labs.grading.manifest import table
from labs.grading.process_types import ProcessType, Role
from labs.grading.process_types.dockerfile import image_command, unwrap_shell

if TYPE_CHECKING:
    from labs.grading.manifest import Document
    from labs.grading.repo import Repo

MAX_DESCRIPTOR_BYTES = 256 * 1024
PROCFILE_LINE_RE = re.compile(r"^([A-Za-z0-9_-]+):\s*(.*?)\s*$")
RELEASE_NAMES = re.compile(r"^(release|migrate|migrations?|db[-_]?migrate|predeploy|pre[-_]deploy)$", re.I)
WEB_NAMES = ("web", "app", "api", "server", "backend", "site", "django", "flask", "rails", "node")
# Images a compose file runs beside the app: backing services and tools, not the app's own processes.
INFRASTRUCTURE_IMAGES = re.compile(
    r"^(postgres|postgis|mysql|mariadb|redis|valkey|redis-stack|memcached|mongo|rabbitmq|elasticsearch|opensearch|"
    r"kibana|nginx|traefik|caddy|haproxy|envoy|minio|mailhog|mailpit|maildev|localstack|zookeeper|kafka|cp-kafka|"
    r"adminer|pgadmin4?|prometheus|grafana|jaeger|all-in-one|selenium|standalone-chrome|etcd|consul|vault|keycloak|"
    r"nats|clickhouse(-server)?|cassandra|influxdb|pgbouncer|mssql-server|azurite|ngrok|portainer|flower)$"
)


class Malformed(ValueError):
    """The descriptor cannot be read; str() says why, for the note."""


@dataclass(frozen=True)
class Descriptor:
    name: str
    files: tuple[str, ...]
    read: Callable[[Repo, str, list[str]], list[ProcessType]]
    tier: int  # 0 the Procfile and its app.json, 1 a platform's own file, 2 containers


# -- parsing helpers ---------------------------------------------------------------------------------


class Lined(dict[object, object]):
    """A YAML mapping that remembers the line of each of its keys."""

    def __init__(self) -> None:
        super().__init__()
        self.lines: dict[object, int] = {}

    def line(self, key: object) -> int:
        return self.lines.get(key, 0)


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> Iterator[Lined]:
    data = Lined()
    yield data
    data.update(yaml.SafeLoader.construct_mapping(loader, node, deep=True))  # resolves `<<:` merge keys too
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            data.lines.setdefault(key, key_node.start_mark.line + 1)
        except TypeError:
            continue


_LineLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


def _text(repo: Repo, rel: str) -> str:
    text = repo.text(rel)
    if text is None:
        raise Malformed("not a readable text file")
    if len(text.encode("utf-8", errors="replace")) > MAX_DESCRIPTOR_BYTES:
        raise Malformed(f"over {MAX_DESCRIPTOR_BYTES // 1024} KiB, too big to be a descriptor")
    return text


def load_yaml(repo: Repo, rel: str) -> object:
    text = _text(repo, rel)
    try:
        return yaml.load(text, Loader=_LineLoader)  # a SafeLoader: plain data only
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise Malformed(f"not valid YAML{where}") from None
    except (RecursionError, TypeError, ValueError):
        raise Malformed("not valid YAML") from None


def load_json(repo: Repo, rel: str) -> object:
    text = _text(repo, rel)
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        raise Malformed("not valid JSON") from None


def load_toml(repo: Repo, rel: str) -> Document:
    text = _text(repo, rel)
    try:
        return tomllib.loads(text)
    except (tomllib.TOMLDecodeError, RecursionError, ValueError) as exc:
        raise Malformed(f"not valid TOML ({str(exc)[:80]})") from None


def _mapping(value: object) -> Lined:
    return value if isinstance(value, Lined) else Lined()


def _items(value: object) -> list[Lined]:
    return [v for v in value if isinstance(v, Lined)] if isinstance(value, list) else []


def _command(value: object) -> str | None:
    """A command given as a string, or as a list of words (`command: [celery, -A, app, worker]`).

    Only a Dockerfile's exec form runs without a shell: these platforms interpolate `$VAR` in a list too (compose
    from its environment), so the words are joined into a command line for a shell."""
    if isinstance(value, str) and value.strip():
        return value.strip()
    if isinstance(value, list) and value and all(isinstance(v, str | int | float) for v in value):
        words = tuple(str(v) for v in value)
        return unwrap_shell(words) or " ".join(words)
    return None


def _line_of(lines: list[str], pattern: str, start: int = 0) -> int:
    rx = re.compile(pattern)
    for number, line in enumerate(lines[start:], start=start + 1):
        if rx.search(line):
            return number
    return 0


def _dockerfile_process(
    repo: Repo, rel: str, via: str, *, name: str = "", role: Role = "web", notes: list[str] | None = None
) -> ProcessType | None:
    """The image's default process, for descriptors (`via`) that run a Dockerfile without a command of their own."""
    rel = rel.removeprefix("./")
    if not repo.exists(rel):
        return None
    try:
        found = image_command(_text(repo, rel))
    except Malformed as exc:
        if notes is not None:
            notes.append(f"{rel} ignored: {exc}")
        return None
    if found is None:
        return None
    return ProcessType(name or found.name, found.command, rel, found.line, role, argv=found.argv, via=via)


# -- the readers -------------------------------------------------------------------------------------


def read_procfile(repo: Repo, rel: str, notes: list[str]) -> list[ProcessType]:
    # Not capped like the other descriptors: an absurd Procfile is refused (process_types.check_caps), not ignored.
    text = repo.text(rel)
    if text is None:
        raise Malformed("not a readable text file")
    types: dict[str, ProcessType] = {}
    unreadable = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = PROCFILE_LINE_RE.match(line)
        if not match or not match.group(2):
            unreadable.append(f"{rel}:{number}")
            continue
        name, command = match.groups()
        if name not in types:
            role: Role = "web" if name == "web" else "release" if name == "release" else "worker"
            types[name] = ProcessType(name, command, rel, number, role)
    if unreadable:
        notes.append(f"unreadable lines at {', '.join(unreadable[:3])} (lines look like `web: command`)")
    return list(types.values())


def read_app_json(repo: Repo, rel: str, notes: list[str]) -> list[ProcessType]:
    """app.json names the formation (commands come from the Procfile or the buildpack) and its scripts."""
    data = load_json(repo, rel)
    if not isinstance(data, dict):
        raise Malformed("not a JSON object")
    lines = repo.lines(rel)
    types = []
    formation = data.get("formation")
    if isinstance(formation, dict):
        start = _line_of(lines, r'"formation"\s*:')
        for name in list(formation)[:100]:
            if isinstance(name, str):
                role: Role = "web" if name == "web" else "worker"
                line = _line_of(lines, rf'"{re.escape(name)}"\s*:', max(start - 1, 0)) or start
                types.append(ProcessType(name, "", rel, line, role, basis="formation"))
    scripts = data.get("scripts")
    if isinstance(scripts, dict):
        # postdeploy runs once, after an app is first created (review apps, Heroku buttons): a one-off job.
        found = _command(scripts.get("postdeploy"))
        if found:
            line = _line_of(lines, r'"postdeploy"\s*:')
            types.append(ProcessType("postdeploy", found, rel, line, "job"))
    return types


def _heroku_command(value: object) -> str | None:
    """heroku.yml lists commands (`command: [rake db:migrate]`); a list of several runs them in order."""
    if isinstance(value, list) and len(value) > 1 and all(isinstance(v, str) and " " in v.strip() for v in value):
        return " && ".join(v.strip() for v in value)
    return _command(value)


def read_heroku_yml(repo: Repo, rel: str, notes: list[str]) -> list[ProcessType]:
    """heroku.yml: `run:` per process type (else the Dockerfile's CMD of `build: docker:`) and `release:`."""
    data = load_yaml(repo, rel)
    if not isinstance(data, dict):
        raise Malformed("not a YAML mapping")
    data = _mapping(data)
    types = []
    run = _mapping(data.get("run"))
    for name, value in list(run.items())[:100]:
        spec = _mapping(value)
        found = _heroku_command(value) or _heroku_command(spec.get("command"))
        line = spec.line("command") or run.line(name)
        if found and isinstance(name, str):
            role: Role = "web" if name == "web" else "worker"
            types.append(ProcessType(name, found, rel, line, role))
    docker = _mapping(_mapping(data.get("build")).get("docker"))
    for name, path in list(docker.items())[:100]:
        if isinstance(name, str) and isinstance(path, str) and name not in run:
            image = _dockerfile_process(repo, path, rel, role="web" if name == "web" else "worker", notes=notes)
            if image is not None:
                types.append(replace(image, name=name))
    release = data.get("release")
    release_spec = _mapping(release)
    found = _heroku_command(release_spec.get("command")) if release_spec else _heroku_command(release)
    if found:
        line = release_spec.line("command") or data.line("release")
        types.append(ProcessType("release", found, rel, line, "release"))
    return types


RENDER_ROLES: dict[str, Role] = {"web": "web", "worker": "worker", "pserv": "worker", "cron": "cron"}


def read_render(repo: Repo, rel: str, notes: list[str]) -> list[ProcessType]:
    """render.yaml (a Blueprint): services with startCommand (or a Docker image's CMD) and preDeployCommand."""
    data = load_yaml(repo, rel)
    if not isinstance(data, dict):
        raise Malformed("not a YAML mapping")
    types = []
    for service in _items(data.get("services"))[:100]:
        role = RENDER_ROLES.get(str(service.get("type", "")).lower())
        if role is None:
            continue  # redis, keyvalue, static sites: not processes of this codebase
        name = str(service.get("name") or service.get("type"))
        found = _command(service.get("startCommand")) or _command(service.get("dockerCommand"))
        key = "startCommand" if "startCommand" in service else "dockerCommand"
        if found:
            types.append(ProcessType(name, found, rel, service.line(key), role))
        elif str(service.get("runtime") or service.get("env") or "").lower() == "docker":
            path = str(service.get("dockerfilePath") or "Dockerfile")
            image = _dockerfile_process(repo, path, rel, name=name, role=role, notes=notes)
            if image is not None:
                types.append(image)
        pre_deploy = _command(service.get("preDeployCommand"))
        if pre_deploy:
            line = service.line("preDeployCommand")
            types.append(ProcessType("preDeployCommand", pre_deploy, rel, line, "release"))
    return types


# A job without a kind is a POST_DEPLOY one. https://docs.digitalocean.com/products/app-platform/reference/app-spec/
DO_JOB_ROLES: dict[str, Role] = {"PRE_DEPLOY": "release", "SCHEDULED": "cron"}


def read_do_app(repo: Repo, rel: str, notes: list[str]) -> list[ProcessType]:
    """DigitalOcean App Platform's spec: services (HTTP), workers, and jobs by kind (PRE_DEPLOY is a release)."""
    data = load_yaml(repo, rel)
    if not isinstance(data, dict):
        raise Malformed("not a YAML mapping")
    if isinstance(data.get("spec"), dict):  # .do/deploy.template.yaml wraps the spec
        data = data["spec"]
    types = []
    groups: list[tuple[str, Role | None]] = [("services", "web"), ("workers", "worker"), ("jobs", None)]
    for group, default_role in groups:
        for index, item in enumerate(_items(data.get(group))[:100]):
            name = str(item.get("name") or group)
            if default_role is None:
                role: Role = DO_JOB_ROLES.get(str(item.get("kind") or "").upper(), "job")
            else:
                role = "web" if default_role == "web" and index == 0 else "worker"  # the first service is routed
            found = _command(item.get("run_command"))
            if found:
                types.append(ProcessType(name, found, rel, item.line("run_command"), role))
            elif item.get("dockerfile_path"):
                image = _dockerfile_process(repo, str(item["dockerfile_path"]), rel, name=name, role=role, notes=notes)
                if image is not None:
                    types.append(image)
    return types


def read_fly(repo: Repo, rel: str, notes: list[str]) -> list[ProcessType]:
    """fly.toml: [processes] (else the Dockerfile's CMD), the one [http_service] routes to, [deploy] release."""
    data = load_toml(repo, rel)
    lines = repo.lines(rel)
    processes = data.get("processes")
    http = data.get("http_service")
    served: list[str] = []
    if isinstance(http, dict):
        served = [p for p in http.get("processes") or ["app"] if isinstance(p, str)]
    services = data.get("services")
    for service in services if isinstance(services, list) else []:
        if isinstance(service, dict):
            served += [p for p in service.get("processes") or ["app"] if isinstance(p, str)]
    types = []
    if isinstance(processes, dict) and processes:
        section = _line_of(lines, r"^\s*\[processes\]")
        names = [n for n in processes if isinstance(n, str)][:100]
        web = next((n for n in names if n in served), None) or next((n for n in names if n in ("app", "web")), None)
        for name in names:
            found = _command(processes[name])
            if found:
                line = _line_of(lines, rf"^\s*['\"]?{re.escape(name)}['\"]?\s*=", section) if section else 0
                role: Role = "web" if name == web else "worker"
                types.append(ProcessType(name, found, rel, line, role))
    else:
        build = table(data, "build")
        dockerfile = str(build.get("dockerfile") or "Dockerfile")
        # The machines of fly's default process group, "app", run the image's command.
        image = _dockerfile_process(repo, dockerfile, rel, name="app", role="web", notes=notes)
        if image is not None:
            types.append(image)
    deploy = data.get("deploy")
    if isinstance(deploy, dict):
        found = _command(deploy.get("release_command"))
        if found:
            line = _line_of(lines, r"^\s*release_command\s*=")
            types.append(ProcessType("release_command", found, rel, line, "release"))
    return types


def read_dockerfile(repo: Repo, rel: str, notes: list[str]) -> list[ProcessType]:
    found = image_command(_text(repo, rel))
    return [ProcessType(found.name, found.command, rel, found.line, "web", argv=found.argv)] if found else []


def _image_name(image: str) -> str:
    name = image.split("@", 1)[0].rsplit("/", 1)[-1]
    return name.split(":", 1)[0].lower()


def read_compose(repo: Repo, rel: str, notes: list[str]) -> list[ProcessType]:
    """docker-compose services that run this codebase: a command of their own, or the built image's CMD."""
    data = load_yaml(repo, rel)
    if not isinstance(data, dict):
        raise Malformed("not a YAML mapping")
    services = _mapping(data.get("services"))
    types = []
    candidates: list[tuple[str, Lined]] = []
    for name, service in list(services.items())[:100]:
        if not isinstance(name, str) or not isinstance(service, Lined):
            continue
        image = service.get("image")
        if "build" not in service and (not isinstance(image, str) or INFRASTRUCTURE_IMAGES.match(_image_name(image))):
            continue
        candidates.append((name, service))
    web_name = next((n for n, _ in candidates if n.lower() in WEB_NAMES), None) or next(
        (n for n, s in candidates if s.get("ports") and not RELEASE_NAMES.match(n)), None
    )
    for name, service in candidates:
        role: Role = "release" if RELEASE_NAMES.match(name) else "web" if name == web_name else "worker"
        found = _command(service.get("command"))
        entry = _command(service.get("entrypoint"))
        if entry and found:
            found = f"{entry} {found}"
        found = found or entry
        if found:
            key = "command" if "command" in service else "entrypoint"
            types.append(ProcessType(name, found, rel, service.line(key) or services.line(name), role))
        elif "build" in service:
            build = service["build"]
            context, dockerfile = ".", "Dockerfile"
            if isinstance(build, str):
                context = build
            elif isinstance(build, dict):
                context = str(build.get("context") or ".")
                dockerfile = str(build.get("dockerfile") or "Dockerfile")
            path = dockerfile if context in (".", "./") else f"{context.strip('/').removeprefix('./')}/{dockerfile}"
            image = _dockerfile_process(repo, path, rel, name=name, role=role, notes=notes)
            if image is not None:
                types.append(image)
    return types


COMPOSE_FILES = ("docker-compose.yml", "docker-compose.yaml", "compose.yaml", "compose.yml")
DESCRIPTORS: tuple[Descriptor, ...] = (
    Descriptor("Procfile", ("Procfile",), read_procfile, tier=0),
    Descriptor("app.json", ("app.json",), read_app_json, tier=0),
    Descriptor("heroku.yml", ("heroku.yml",), read_heroku_yml, tier=1),
    Descriptor("render.yaml", ("render.yaml", "render.yml"), read_render, tier=1),
    Descriptor(".do/app.yaml", (".do/app.yaml", ".do/app.yml", ".do/deploy.template.yaml"), read_do_app, tier=1),
    Descriptor("fly.toml", ("fly.toml",), read_fly, tier=1),
    Descriptor("Dockerfile", ("Dockerfile", "Containerfile"), read_dockerfile, tier=2),
    Descriptor("docker-compose", COMPOSE_FILES, read_compose, tier=2),
)

"""Lab definitions: content/courses/twelve-factor/labs/<slug>/lab.yaml.

title: Audit: all twelve factors
factors: [1, 2, ...]
pass_mark: 80                # score needed to pass, 0-100
checks:                      # check id -> weight (max points)
  config.no-committed-secrets: 10
limits: {build_seconds: 60, start_seconds: 15, memory_mb: 512, processes: 64, ...}
contract:                    # optional HTTP contract the dynamic checks use
  health: {path: /healthz}
  state_write: {method: POST, path: /counter}
  state_read: {path: /counter}
  slow: {path: /slow, seconds: 2}
submission_contract: true    # without a lab contract, read `contract:` from the submission's
                             # .twelve-factor.yml (the audit lab grades any repository)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

LABS_DIR = Path(__file__).resolve().parents[2] / "content" / "courses" / "twelve-factor" / "labs"
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}$")
PATH_RE = re.compile(r"^/[A-Za-z0-9._~!$&'()*+,;=:@%/?-]{0,200}$")
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
SUBMISSION_CONTRACT_FILES = (".twelve-factor.yml", ".twelve-factor.yaml")


class LabDefinitionError(ValueError):
    """A lab.yaml (ours) or a submission's contract file (the learner's) is not valid."""


@dataclass(frozen=True)
class Endpoint:
    path: str
    method: str = "GET"


@dataclass(frozen=True)
class Contract:
    health: Endpoint = field(default_factory=lambda: Endpoint("/"))
    state_write: Endpoint | None = None
    state_read: Endpoint | None = None
    slow: Endpoint | None = None
    slow_seconds: float = 2.0


@dataclass(frozen=True)
class LabLimits:
    build_seconds: float = 90.0
    release_seconds: float = 30.0
    start_seconds: float = 15.0
    # Resolving and installing a real lock file needs this much address space (uv's threads reserve a lot).
    memory_mb: int = 2048
    processes: int = 128
    file_size_mb: int = 64
    open_files: int = 1024
    output_kb: int = 256
    workspace_mb: int = 512


@dataclass(frozen=True)
class Lab:
    slug: str
    title: str
    factors: tuple[int, ...]
    checks: dict[str, int]
    pass_mark: int = 80
    limits: LabLimits = field(default_factory=LabLimits)
    contract: Contract | None = None
    submission_contract: bool = False
    # Only the audit lab, which grades whole repositories, lets a repository set sample folders aside.
    allow_samples: bool = False


def _endpoint(raw: object, where: str, *, default_method: str = "GET") -> Endpoint:
    if not isinstance(raw, dict) or not isinstance(raw.get("path"), str):
        raise LabDefinitionError(f"{where}: expected a mapping with a path")
    path = raw["path"]
    method = str(raw.get("method", default_method)).upper()
    if not PATH_RE.match(path):
        raise LabDefinitionError(f"{where}: path must start with / and be a plain URL path")
    if method not in METHODS:
        raise LabDefinitionError(f"{where}: method must be one of {', '.join(METHODS)}")
    return Endpoint(path=path, method=method)


def parse_contract(raw: object, where: str = "contract") -> Contract:
    if not isinstance(raw, dict):
        raise LabDefinitionError(f"{where}: expected a mapping")
    unknown = set(raw) - {"health", "state_write", "state_read", "slow"}
    if unknown:
        raise LabDefinitionError(f"{where}: unknown keys {sorted(unknown)}")
    kwargs: dict[str, Any] = {}
    if "health" in raw:
        kwargs["health"] = _endpoint(raw["health"], f"{where}.health")
    if ("state_write" in raw) != ("state_read" in raw):
        raise LabDefinitionError(f"{where}: state_write and state_read go together")
    if "state_write" in raw:
        kwargs["state_write"] = _endpoint(raw["state_write"], f"{where}.state_write", default_method="POST")
        kwargs["state_read"] = _endpoint(raw["state_read"], f"{where}.state_read")
    if "slow" in raw:
        kwargs["slow"] = _endpoint(raw["slow"], f"{where}.slow")
        seconds = raw["slow"].get("seconds", 2)
        if not isinstance(seconds, int | float) or not 0.2 <= seconds <= 5:
            raise LabDefinitionError(f"{where}.slow.seconds: a number from 0.2 to 5")
        kwargs["slow_seconds"] = float(seconds)
    return Contract(**kwargs)


def load_lab(slug: str, labs_dir: Path | None = None) -> Lab:
    from labs.grading.checks import REGISTRY

    if not SLUG_RE.match(slug):
        raise LabDefinitionError(f"invalid lab slug {slug!r}")
    path = (labs_dir or LABS_DIR) / slug / "lab.yaml"
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LabDefinitionError(f"no lab named {slug!r} ({path} does not exist)") from None
    if not isinstance(raw, dict):
        raise LabDefinitionError(f"{path}: expected a mapping")
    checks = raw.get("checks") or {}
    if not isinstance(checks, dict) or not checks:
        raise LabDefinitionError(f"{path}: checks must map check ids to weights")
    for check_id, weight in checks.items():
        if check_id not in REGISTRY:
            raise LabDefinitionError(f"{path}: unknown check {check_id!r}")
        if not isinstance(weight, int) or weight <= 0:
            raise LabDefinitionError(f"{path}: weight of {check_id} must be a positive integer")
    limits_raw = raw.get("limits") or {}
    try:
        limits = LabLimits(**limits_raw)
    except TypeError as exc:
        raise LabDefinitionError(f"{path}: limits: {exc}") from None
    contract = parse_contract(raw["contract"], f"{path}: contract") if raw.get("contract") else None
    pass_mark = raw.get("pass_mark", 80)
    if not isinstance(pass_mark, int) or not 0 <= pass_mark <= 100:
        raise LabDefinitionError(f"{path}: pass_mark must be an integer from 0 to 100")
    factors = tuple(raw.get("factors") or sorted({REGISTRY[c].factor for c in checks}))
    return Lab(
        slug=slug,
        title=str(raw.get("title", slug)),
        factors=factors,
        checks=dict(checks),
        pass_mark=pass_mark,
        limits=limits,
        contract=contract,
        submission_contract=bool(raw.get("submission_contract", False)),
        allow_samples=bool(raw.get("allow_samples", False)),
    )


def submission_contract(text: str | None) -> tuple[Contract | None, str | None]:
    """The contract a submission declares in .twelve-factor.yml: (contract, problem)."""
    if text is None:
        return None, None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        return None, f".twelve-factor.yml is not valid YAML: {str(exc)[:200]}"
    if not isinstance(raw, dict) or "contract" not in raw:
        return None, None
    try:
        return parse_contract(raw["contract"], ".twelve-factor.yml: contract"), None
    except LabDefinitionError as exc:
        return None, str(exc)


def submission_samples(text: str | None) -> tuple[tuple[str, ...], str | None]:
    """Folders a submission declares under `samples:` in .twelve-factor.yml: example or course code it ships but
    does not deploy (say, broken starter apps for learners). Returns (folders, problem).

    Only top-level-relative folder paths below the root; the root, its files and `..` can never be set aside.
    """
    if text is None:
        return (), None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError:
        return (), None
    samples = raw.get("samples") if isinstance(raw, dict) else None
    if samples is None:
        return (), None
    if not isinstance(samples, list) or not all(isinstance(s, str) for s in samples):
        return (), ".twelve-factor.yml: samples must be a list of folder paths"
    folders = []
    for sample in samples:
        folder = sample.strip().strip("/")
        parts = folder.split("/")
        if not folder or sample.startswith("/") or any(p in ("", ".", "..") for p in parts) or "*" in folder:
            return (), f".twelve-factor.yml: samples: {sample!r} is not a folder inside the repository"
        folders.append(folder)
    return tuple(sorted(set(folders))), None


def submission_build_command(text: str | None) -> str | None:
    """The `build:` command a submission declares in .twelve-factor.yml (run after the install)."""
    if text is None:
        return None
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    command = raw.get("build") if isinstance(raw, dict) else None
    return command.strip()[:500] if isinstance(command, str) and command.strip() else None

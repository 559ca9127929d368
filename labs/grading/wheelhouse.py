"""The offline wheelhouse that learners' declared dependencies are installed from, inside the sandbox.

`make wheelhouse` downloads the wheels of labs/grading/wheelhouse.txt and requirements.lock into
var/wheelhouse/ (git-ignored), then runs `python -m labs.grading.wheelhouse var/wheelhouse`, which unpacks uv's
binary from its wheel to var/wheelhouse/bin/uv so the sandbox can run the install with it, offline.
The grader mounts the folder read-only at /wheelhouse in the box. GRADER_WHEELHOUSE overrides its location.
"""

from __future__ import annotations

import os
import re
import stat
import sys
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.specifiers import InvalidSpecifier, SpecifierSet

if TYPE_CHECKING:
    from labs.grading.manifest import Requirement

DEFAULT = Path(__file__).resolve().parents[2] / "var" / "wheelhouse"
UV_RELATIVE = "bin/uv"


def locate() -> Path:
    return Path(os.environ.get("GRADER_WHEELHOUSE") or DEFAULT)


def problem(path: Path) -> str | None:
    """Why the wheelhouse cannot serve, or None when it can."""
    if not path.is_dir():
        return f"the offline wheelhouse is missing ({path}): run `make wheelhouse`"
    if not (path / UV_RELATIVE).is_file():
        return f"the offline wheelhouse has no uv binary ({path / UV_RELATIVE}): run `make wheelhouse`"
    return None


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def lacks(path: Path, requirements: Sequence[Requirement]) -> list[str]:
    """The declared requirements this wheelhouse cannot serve: a package it has no wheel of, or a version range
    (a pin included) none of its wheels satisfies. The wheelhouse holds one version of a few packages, so such a gap
    is ours, not the learner's; but a manifest that pins a version we have and also excludes it contradicts itself
    (Flask==3.1.3 with flask>=9), which is the learner's to fix and is left to the installer to say."""
    versions: dict[str, set[str]] = {}
    for wheel in path.glob("*.whl"):
        name, version = wheel.name.split("-")[:2]
        versions.setdefault(_normal(name), set()).add(version)
    pinned_here = {
        _normal(r.name)
        for r in requirements
        if (wanted := _version_range(r.spec))
        and wanted[0].startswith("==")
        and wanted[0][2:].strip() in versions.get(_normal(r.name), set())
    }
    gaps = []
    for requirement in requirements:
        have = versions.get(_normal(requirement.name))
        wanted = _version_range(requirement.spec)
        if have is None:
            gaps.append(requirement.name)
        elif _normal(requirement.name) in pinned_here:
            continue
        elif wanted is not None and not any(wanted[1].contains(version, prereleases=True) for version in have):
            gaps.append(f"{requirement.name}{wanted[0]}")
    return gaps


def _version_range(text: str) -> tuple[str, SpecifierSet] | None:
    """(as written, parsed) the version range of a requirement line (`>=6.0,<6.1`, `(==3.1.3)`), without its
    markers, hashes or comment; None when it names no range (any version will do) or an invalid one."""
    text = re.split(r"\s;|;|\s--|\s#", text, maxsplit=1)[0].strip().strip("()").strip()
    if not text:
        return None
    try:
        return text, SpecifierSet(text)
    except InvalidSpecifier:
        return None


def prepare(path: Path) -> Path:
    """Unpack uv's binary from the newest uv wheel in path to path/bin/uv, readable by every uid."""
    wheels = sorted(path.glob("uv-*.whl"))
    if not wheels:
        raise SystemExit(f"no uv wheel in {path}; is uv in labs/grading/wheelhouse.txt?")
    target = path / UV_RELATIVE
    target.parent.mkdir(exist_ok=True)
    with zipfile.ZipFile(wheels[-1]) as wheel:
        member = next(n for n in wheel.namelist() if n.endswith(".data/scripts/uv"))
        tmp = target.with_suffix(".tmp")
        tmp.write_bytes(wheel.read(member))
    tmp.chmod(stat.S_IRWXU | stat.S_IRGRP | stat.S_IXGRP | stat.S_IROTH | stat.S_IXOTH)
    tmp.replace(target)
    for entry in [path, target.parent, *path.iterdir()]:
        mode = entry.stat().st_mode
        entry.chmod(mode | stat.S_IRGRP | stat.S_IROTH | (stat.S_IXGRP | stat.S_IXOTH if entry.is_dir() else 0))
    return target


if __name__ == "__main__":
    print(prepare(Path(sys.argv[1])))

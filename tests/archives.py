"""Submissions built in tests: zip and tar.gz archives (from a folder, from plain entries, or from hostile members
with their own file types and modes), git repositories and bundles.

`*_bytes` builders give what an upload carries; `*_file` builders write the archive to a path and return it.
"""

import io
import subprocess
import tarfile
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
CLEAN_APP = REPO_ROOT / "tests" / "fixtures" / "clean_app"

# (name, data) for a regular file, or (name, data, unix mode including the file type: stat.S_IFLNK | 0o777, ...).
ZipEntry = tuple[str, bytes | str] | tuple[str, bytes | str, int]


def zip_folder(folder: Path = CLEAN_APP) -> bytes:
    """The folder zipped under its own name, as a forge's "Download ZIP" does (caches left out)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                archive.write(path, f"{folder.name}/{path.relative_to(folder).as_posix()}")
    return buffer.getvalue()


def zip_bytes(entries: Mapping[str, bytes | str] | Iterable[ZipEntry]) -> bytes:
    """A deflated zip of the entries, in order; names are taken as given (`../`, absolute, duplicates)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data, *mode in entries.items() if isinstance(entries, Mapping) else entries:
            if mode:
                info = zipfile.ZipInfo(name)
                info.external_attr = mode[0] << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, data)
            else:
                archive.writestr(name, data)
    return buffer.getvalue()


def zip_file(path: Path, entries: Mapping[str, bytes | str] | Iterable[ZipEntry]) -> Path:
    path.write_bytes(zip_bytes(entries))
    return path


def tar_member(name: str, kind: bytes = tarfile.REGTYPE, **attrs) -> tarfile.TarInfo:
    """One tar header: a regular file unless `kind` says otherwise; `attrs` set linkname, devmajor, mode..."""
    info = tarfile.TarInfo(name)
    info.type = kind
    info.mode = attrs.pop("mode", 0o644)
    for key, value in attrs.items():
        setattr(info, key, value)
    return info


def tar_gz_bytes(members: Iterable[tarfile.TarInfo], data: Mapping[str, bytes] | None = None) -> bytes:
    """A tar.gz of the members, in order; a member named in `data` carries those bytes."""
    data = data or {}
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for member in members:
            payload = data.get(member.name)
            if payload is not None:
                member.size = len(payload)
                archive.addfile(member, io.BytesIO(payload))
            else:
                archive.addfile(member)
    return buffer.getvalue()


def tar_gz_file(path: Path, members: Iterable[tarfile.TarInfo], data: Mapping[str, bytes] | None = None) -> Path:
    path.write_bytes(tar_gz_bytes(members, data))
    return path


def git(cwd: Path, *args: str) -> str:
    """Run git with no user or system configuration of this machine, and give back its output."""
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(cwd),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }
    done = subprocess.run(
        ["git", "-c", "init.defaultBranch=main", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def git_repo(root: Path, files: Mapping[str, bytes | str]) -> Path:
    """A new repository at `root` with the files committed in one commit."""
    root.mkdir(parents=True)
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "initial")
    return root


def git_bundle(repo: Path, path: Path) -> Path:
    """Every ref of the repository in one bundle file, as `grade_repo` and the site take it."""
    git(repo, "bundle", "create", str(path), "--all")
    return path

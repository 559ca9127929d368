"""A lab's starter repository, packed for download as a zip or as a git bundle (`git clone starter.bundle`).

Packed by load_content (labs.catalog) from content/courses/<course>/labs/<slug>/starter/, stored in LabStarter.
"""

import hashlib
import io
import os
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

# Fixed identity and date: the same starter always packs to the same commit.
COMMIT_ENV = {
    "GIT_AUTHOR_NAME": "Twelve-Factor Academy",
    "GIT_AUTHOR_EMAIL": "labs@academy.invalid",
    "GIT_COMMITTER_NAME": "Twelve-Factor Academy",
    "GIT_COMMITTER_EMAIL": "labs@academy.invalid",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
}


def _files(root: Path):
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink() and "__pycache__" not in path.parts:
            yield path


def starter_hash(root: Path) -> str:
    """Changes when any file of the starter changes (name, content or mode)."""
    digest = hashlib.sha256()
    for path in _files(root):
        digest.update(f"{path.relative_to(root).as_posix()}\0{os.access(path, os.X_OK)}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def starter_zip(root: Path, *, slug: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in _files(root):
            info = zipfile.ZipInfo(f"{slug}/{path.relative_to(root).as_posix()}", date_time=(2026, 1, 1, 0, 0, 0))
            info.external_attr = (0o755 if os.access(path, os.X_OK) else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def starter_bundle(root: Path, *, slug: str, title: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="starter-") as tmp:
        repo = Path(tmp) / slug
        shutil.copytree(root, repo, ignore=shutil.ignore_patterns("__pycache__"))
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": tmp, "GIT_CONFIG_NOSYSTEM": "1", **COMMIT_ENV}

        def git(*args: str) -> None:
            subprocess.run(["git", "-c", "core.hooksPath=/dev/null", *args], cwd=repo, env=env, check=True,
                           capture_output=True, timeout=30)  # fmt: skip

        git("init", "--quiet", "--initial-branch=main")
        git("add", "--all")
        git("commit", "--quiet", "--message", f"Starter for the {title} lab")
        bundle = Path(tmp) / "starter.bundle"
        git("bundle", "create", str(bundle), "HEAD", "main")  # HEAD too, so `git clone` checks out main
        return bundle.read_bytes()

"""A lab's starter repository, packed for download as a zip or as a git bundle (`git clone starter.bundle`)."""

import io
import os
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path

from django.conf import settings

from labs.models import Lab

# Fixed identity and date: the same starter always packs to the same commit.
COMMIT_ENV = {
    "GIT_AUTHOR_NAME": "Twelve-Factor Academy",
    "GIT_AUTHOR_EMAIL": "labs@academy.invalid",
    "GIT_COMMITTER_NAME": "Twelve-Factor Academy",
    "GIT_COMMITTER_EMAIL": "labs@academy.invalid",
    "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
    "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
}


def starter_dir(lab: Lab) -> Path:
    return Path(settings.BASE_DIR) / "content" / "courses" / lab.course.slug / "labs" / lab.slug / "starter"


def _files(root: Path):
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink() and "__pycache__" not in path.parts:
            yield path


def starter_zip(lab: Lab) -> bytes:
    root = starter_dir(lab)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in _files(root):
            info = zipfile.ZipInfo(f"{lab.slug}/{path.relative_to(root).as_posix()}", date_time=(2026, 1, 1, 0, 0, 0))
            info.external_attr = (0o755 if os.access(path, os.X_OK) else 0o644) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def starter_bundle(lab: Lab) -> bytes:
    with tempfile.TemporaryDirectory(prefix="starter-") as tmp:
        repo = Path(tmp) / lab.slug
        shutil.copytree(starter_dir(lab), repo, ignore=shutil.ignore_patterns("__pycache__"))
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": tmp, "GIT_CONFIG_NOSYSTEM": "1", **COMMIT_ENV}

        def git(*args: str) -> None:
            subprocess.run(["git", "-c", "core.hooksPath=/dev/null", *args], cwd=repo, env=env, check=True,
                           capture_output=True, timeout=30)  # fmt: skip

        git("init", "--quiet", "--initial-branch=main")
        git("add", "--all")
        git("commit", "--quiet", "--message", f"Starter for the {lab.title} lab")
        bundle = Path(tmp) / "starter.bundle"
        git("bundle", "create", str(bundle), "HEAD", "main")  # HEAD too, so `git clone` checks out main
        return bundle.read_bytes()

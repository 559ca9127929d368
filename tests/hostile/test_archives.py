"""Hostile archives and repositories: refused (or defused) at intake, before anything runs."""

import io
import stat
import subprocess
import tarfile
import time
import zipfile
from pathlib import Path

import pytest

from .conftest import CLEAN_APP

pytestmark = pytest.mark.sandbox

INTAKE_LIMIT = 10  # seconds a refusal may take


def refused(judge, path: Path, *, match: str = "") -> str:
    kind, reason, seconds = judge(path)
    assert kind == "refused", reason
    assert seconds < INTAKE_LIMIT
    assert match.lower() in reason.lower()
    return reason


def app_files() -> list[tuple[str, bytes]]:
    return [("app.py", CLEAN_APP.encode()), ("Procfile", b"web: python app.py\n"), ("requirements.txt", b"")]


def zip_with(path: Path, extra: list[tuple[str, bytes, int]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in app_files():
            zf.writestr(name, data)
        for name, data, mode in extra:
            info = zipfile.ZipInfo(name)
            info.external_attr = mode << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return path


def tar_with(path: Path, extra: list[tarfile.TarInfo], data: dict[str, bytes] | None = None) -> Path:
    data = data or {}
    with tarfile.open(path, "w:gz") as tf:
        for name, content in app_files():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            tf.addfile(info, io.BytesIO(content))
        for info in extra:
            if info.name in data:
                info.size = len(data[info.name])
                tf.addfile(info, io.BytesIO(data[info.name]))
            else:
                tf.addfile(info)
    return path


def member(name: str, kind: bytes = tarfile.REGTYPE, **attrs) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    for key, value in attrs.items():
        setattr(info, key, value)
    return info


def test_zip_slip(judge, tmp_path):
    archive = zip_with(tmp_path / "s.zip", [(f"../../../../tmp/pwned-{time.time_ns()}", b"x", stat.S_IFREG | 0o644)])
    refused(judge, archive, match="outside")


def test_zip_absolute_path(judge, tmp_path):
    archive = zip_with(tmp_path / "s.zip", [("/tmp/pwned-abs", b"x", stat.S_IFREG | 0o644)])
    refused(judge, archive, match="absolute")


def test_archive_symlink(judge, tmp_path):
    archive = zip_with(tmp_path / "s.zip", [("settings.py", b"/etc/shadow", stat.S_IFLNK | 0o777)])
    refused(judge, archive, match="link")
    tar = tar_with(tmp_path / "s.tar.gz", [member("config", tarfile.SYMTYPE, linkname="/root")])
    refused(judge, tar, match="link")


def test_archive_hardlink(judge, tmp_path):
    tar = tar_with(tmp_path / "s.tar.gz", [member("passwd", tarfile.LNKTYPE, linkname="/etc/passwd")])
    refused(judge, tar, match="link")


def test_zip_bomb(judge, tmp_path):
    zeros = b"\0" * (16 * 1024 * 1024)
    archive = zip_with(tmp_path / "s.zip", [(f"z{i}.bin", zeros, stat.S_IFREG | 0o644) for i in range(8)])
    assert archive.stat().st_size < 1024 * 1024
    refused(judge, archive, match="")


def test_device_file_in_a_tar(judge, tmp_path):
    tar = tar_with(
        tmp_path / "s.tar.gz",
        [
            member("sda", tarfile.BLKTYPE, devmajor=8, devminor=0),
            member("mem", tarfile.CHRTYPE, devmajor=1, devminor=1),
        ],
    )
    refused(judge, tar, match="special")
    fifo = tar_with(tmp_path / "f.tar.gz", [member("fifo", tarfile.FIFOTYPE)])
    refused(judge, fifo, match="special")


def test_huge_file_count(judge, tmp_path):
    archive = tmp_path / "many.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for name, data in app_files():
            zf.writestr(name, data)
        for i in range(6000):
            zf.writestr(f"junk/{i}", b"")
    refused(judge, archive, match="more than")


def _git(cwd: Path, *args: str) -> str:
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(cwd),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "h",
        "GIT_AUTHOR_EMAIL": "h@example.com",
        "GIT_COMMITTER_NAME": "h",
        "GIT_COMMITTER_EMAIL": "h@example.com",
    }
    done = subprocess.run(
        ["git", "-c", "init.defaultBranch=main", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def test_git_bundle_with_hostile_config_and_hooks(judge, tmp_path):
    pwned = Path("/tmp") / f"pwned-bundle-{time.time_ns()}"
    repo = tmp_path / "repo"
    repo.mkdir()
    for name, data in app_files():
        (repo / name).write_bytes(data)
    (repo / ".gitattributes").write_text("* filter=pwn diff=pwn\n")
    (repo / ".gitmodules").write_text(f'[submodule "x"]\n\tpath = x\n\turl = ext::sh -c "touch {pwned}"\n')
    (repo / "hooks").mkdir()
    (repo / "hooks" / "post-checkout").write_text(f"#!/bin/sh\ntouch {pwned}\n")
    _git(repo, "init", "-q")
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "hostile")
    # What a bundle cannot carry, a learner may still hope the grader's git has: make it tempting.
    with open(repo / ".git" / "config", "a") as f:
        f.write(f'[filter "pwn"]\n\tsmudge = touch {pwned}\n[core]\n\thooksPath = hooks\n\tfsmonitor = touch {pwned}\n')
    bundle = tmp_path / "s.bundle"
    _git(repo, "bundle", "create", str(bundle), "--all")
    kind, card, _ = judge(bundle)
    assert kind == "scorecard", card
    assert not pwned.exists()
    # the same repository handed over as a folder: its .git/config must not run either
    kind, card, _ = judge(repo)
    assert kind == "scorecard", card
    assert not pwned.exists()


def test_tar_with_a_git_folder_carrying_hooks(judge, tmp_path):
    pwned = Path("/tmp") / f"pwned-githooks-{time.time_ns()}"
    hook = f"#!/bin/sh\ntouch {pwned}\n".encode()
    config = f"[core]\n\tfsmonitor = touch {pwned}\n\thooksPath = .git/hooks\n".encode()
    tar = tar_with(
        tmp_path / "s.tar.gz",
        [member(".git/hooks/post-checkout", mode=0o755), member(".git/config")],
        {".git/hooks/post-checkout": hook, ".git/config": config},
    )
    kind, card, _ = judge(tar)
    assert kind == "scorecard", card
    assert not pwned.exists()

"""Hostile archives and repositories: refused (or defused) at intake, before anything runs."""

import stat
import tarfile
import time
from pathlib import Path

import pytest

from tests.archives import git_bundle, git_repo, tar_gz_file, tar_member, zip_file

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
    return zip_file(path, [*app_files(), *extra])


def tar_with(path: Path, extra: list[tarfile.TarInfo], data: dict[str, bytes] | None = None) -> Path:
    files = dict(app_files())
    return tar_gz_file(path, [*(tar_member(name) for name in files), *extra], {**files, **(data or {})})


def test_zip_slip(judge, tmp_path):
    archive = zip_with(tmp_path / "s.zip", [(f"../../../../tmp/pwned-{time.time_ns()}", b"x", stat.S_IFREG | 0o644)])
    refused(judge, archive, match="outside")


def test_zip_absolute_path(judge, tmp_path):
    archive = zip_with(tmp_path / "s.zip", [("/tmp/pwned-abs", b"x", stat.S_IFREG | 0o644)])
    refused(judge, archive, match="absolute")


def test_archive_symlink(judge, tmp_path):
    archive = zip_with(tmp_path / "s.zip", [("settings.py", b"/etc/shadow", stat.S_IFLNK | 0o777)])
    refused(judge, archive, match="link")
    tar = tar_with(tmp_path / "s.tar.gz", [tar_member("config", tarfile.SYMTYPE, linkname="/root")])
    refused(judge, tar, match="link")


def test_archive_hardlink(judge, tmp_path):
    tar = tar_with(tmp_path / "s.tar.gz", [tar_member("passwd", tarfile.LNKTYPE, linkname="/etc/passwd")])
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
            tar_member("sda", tarfile.BLKTYPE, devmajor=8, devminor=0),
            tar_member("mem", tarfile.CHRTYPE, devmajor=1, devminor=1),
        ],
    )
    refused(judge, tar, match="special")
    fifo = tar_with(tmp_path / "f.tar.gz", [tar_member("fifo", tarfile.FIFOTYPE)])
    refused(judge, fifo, match="special")


def test_huge_file_count(judge, tmp_path):
    archive = tmp_path / "many.zip"
    zip_file(archive, [*app_files(), *((f"junk/{i}", b"") for i in range(6000))])
    refused(judge, archive, match="more than")


def test_git_bundle_with_hostile_config_and_hooks(judge, tmp_path):
    pwned = Path("/tmp") / f"pwned-bundle-{time.time_ns()}"
    repo = git_repo(
        tmp_path / "repo",
        {
            **dict(app_files()),
            ".gitattributes": "* filter=pwn diff=pwn\n",
            ".gitmodules": f'[submodule "x"]\n\tpath = x\n\turl = ext::sh -c "touch {pwned}"\n',
            "hooks/post-checkout": f"#!/bin/sh\ntouch {pwned}\n",
        },
    )
    # What a bundle cannot carry, a learner may still hope the grader's git has: make it tempting.
    with open(repo / ".git" / "config", "a") as f:
        f.write(f'[filter "pwn"]\n\tsmudge = touch {pwned}\n[core]\n\thooksPath = hooks\n\tfsmonitor = touch {pwned}\n')
    bundle = git_bundle(repo, tmp_path / "s.bundle")
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
        [tar_member(".git/hooks/post-checkout", mode=0o755), tar_member(".git/config")],
        {".git/hooks/post-checkout": hook, ".git/config": config},
    )
    kind, card, _ = judge(tar)
    assert kind == "scorecard", card
    assert not pwned.exists()

import os
import stat
import tarfile
import zipfile
from pathlib import Path

import pytest

from labs.grading.exceptions import SubmissionRefused
from labs.grading.intake import IntakeLimits, extract, fetch_git_url
from tests.archives import git, git_bundle, git_repo, tar_gz_file, tar_member, zip_file

MiB = 1024 * 1024


def tree(root: Path) -> dict[str, str]:
    """{relative path: content} of the regular files; directories end with '/'."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        assert not path.is_symlink(), rel
        out[rel + "/" if path.is_dir() else rel] = "" if path.is_dir() else path.read_text()
    return out


@pytest.fixture
def dest(tmp_path):
    return tmp_path / "out"


# Directories -----------------------------------------------------------------------------------------------


def test_directory_is_copied_without_git_and_caches(tmp_path, dest):
    src = tmp_path / "src"
    (src / "app" / "__pycache__").mkdir(parents=True)
    (src / ".git").mkdir()
    (src / ".git" / "config").write_text("[core]")
    (src / "app" / "__init__.py").write_text("x = 1\n")
    (src / "app" / "__pycache__" / "x.pyc").write_text("junk")
    (src / "run.sh").write_text("#!/bin/sh\n")
    (src / "run.sh").chmod(0o755)
    (src / "Procfile").write_text("web: gunicorn app:app\n")
    # .git is a folder but not a repository: every file is taken, .git dropped
    extract(src, dest)
    assert tree(dest) == {
        "Procfile": "web: gunicorn app:app\n",
        "app/": "",
        "app/__init__.py": "x = 1\n",
        "run.sh": "#!/bin/sh\n",
    }
    assert os.stat(dest / "run.sh").st_mode & 0o111


def test_directory_with_a_symlink_is_refused(tmp_path, dest):
    src = tmp_path / "src"
    src.mkdir()
    (src / "secrets").symlink_to("/etc/passwd")
    with pytest.raises(SubmissionRefused, match="symbolic link"):
        extract(src, dest)


def test_directory_with_a_fifo_is_refused(tmp_path, dest):
    src = tmp_path / "src"
    src.mkdir()
    os.mkfifo(src / "pipe")
    with pytest.raises(SubmissionRefused, match="special file"):
        extract(src, dest)


def test_git_work_tree_gives_what_git_would_commit(tmp_path, dest):
    src = git_repo(tmp_path / "repo", {"app.py": "print(1)\n", ".gitignore": ".venv/\n*.log\n"})
    (src / ".venv" / "bin").mkdir(parents=True)
    (src / ".venv" / "bin" / "python").symlink_to("/usr/bin/python3")  # ignored, so not refused
    (src / "debug.log").write_text("ignored")
    (src / "new.py").write_text("untracked but not ignored\n")
    extract(src, dest)
    assert tree(dest) == {
        ".gitignore": ".venv/\n*.log\n",
        "app.py": "print(1)\n",
        "new.py": "untracked but not ignored\n",
    }


def test_git_work_tree_config_cannot_run_programs(tmp_path, dest):
    src = git_repo(tmp_path / "repo", {"app.py": "print(1)\n"})
    pwned = tmp_path / "pwned"
    hook = tmp_path / "hook.sh"
    hook.write_text(f"#!/bin/sh\ntouch {pwned}\n")
    hook.chmod(0o755)
    with open(src / ".git" / "config", "a") as f:
        f.write(f"[core]\n\tfsmonitor = {hook}\n\thooksPath = {tmp_path}\n\tpager = {hook}\n")
    extract(src, dest)
    assert not pwned.exists()
    assert tree(dest) == {"app.py": "print(1)\n"}


# Zip -------------------------------------------------------------------------------------------------------


def test_zip_is_extracted_and_a_single_top_folder_unwrapped(tmp_path, dest):
    archive = zip_file(
        tmp_path / "s.zip",
        [
            ("repo-main/", b"", stat.S_IFDIR | 0o755),
            ("repo-main/app.py", b"print(1)\n", stat.S_IFREG | 0o644),
            ("repo-main/bin/run", b"#!/bin/sh\n", stat.S_IFREG | 0o755),
            ("repo-main/.git/hooks/post-checkout", b"#!/bin/sh\nrm -rf /\n", stat.S_IFREG | 0o755),
        ],
    )
    extract(archive, dest)
    assert tree(dest) == {"app.py": "print(1)\n", "bin/": "", "bin/run": "#!/bin/sh\n"}
    assert os.stat(dest / "bin" / "run").st_mode & 0o111


@pytest.mark.parametrize("name", ["../evil.py", "a/../../evil.py", "/etc/evil", "C:/evil", "..\\evil.py"])
def test_zip_slip_is_refused(tmp_path, dest, name):
    archive = zip_file(tmp_path / "s.zip", [("ok.py", b"", stat.S_IFREG | 0o644), (name, b"x", stat.S_IFREG | 0o644)])
    with pytest.raises(SubmissionRefused):
        extract(archive, dest)
    assert not (tmp_path / "evil.py").exists()


def test_zip_symlink_is_refused(tmp_path, dest):
    archive = zip_file(tmp_path / "s.zip", [("link", b"/etc/passwd", stat.S_IFLNK | 0o777)])
    with pytest.raises(SubmissionRefused, match="symbolic link"):
        extract(archive, dest)


def test_zip_bomb_is_refused(tmp_path, dest):
    archive = zip_file(tmp_path / "s.zip", [(f"zeros{i}", b"\0" * (8 * MiB), stat.S_IFREG | 0o644) for i in range(5)])
    assert archive.stat().st_size < 200_000
    with pytest.raises(SubmissionRefused, match="bomb|larger"):
        extract(archive, dest)


def test_zip_with_lying_sizes_is_stopped_while_writing(tmp_path, dest):
    limits = IntakeLimits(max_file_bytes=1000, max_ratio=1e9)
    archive = tmp_path / "s.zip"
    zip_file(archive, [("big", os.urandom(5000), stat.S_IFREG | 0o644)])
    raw = bytearray(archive.read_bytes())
    # Patch the declared uncompressed size (local header and central directory) down to 10 bytes.
    for sig, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = raw.index(sig)
        raw[at + offset : at + offset + 4] = (10).to_bytes(4, "little")
    archive.write_bytes(bytes(raw))
    with pytest.raises(SubmissionRefused):
        extract(archive, dest, limits=limits)


def test_too_many_entries_is_refused(tmp_path, dest):
    archive = zip_file(tmp_path / "s.zip", [(f"f{i}", b"", stat.S_IFREG | 0o644) for i in range(60)])
    with pytest.raises(SubmissionRefused, match="more than 50"):
        extract(archive, dest, limits=IntakeLimits(max_entries=50))


def test_duplicate_names_are_refused(tmp_path, dest):
    with zipfile.ZipFile(tmp_path / "s.zip", "w") as zf:
        zf.writestr("a.py", "one")
        with pytest.warns(UserWarning):
            zf.writestr("a.py", "two")
    with pytest.raises(SubmissionRefused, match="twice"):
        extract(tmp_path / "s.zip", dest)


def test_file_then_folder_of_the_same_name_is_refused(tmp_path, dest):
    archive = zip_file(tmp_path / "s.zip", [("a", b"x", stat.S_IFREG | 0o644), ("a/b", b"y", stat.S_IFREG | 0o644)])
    with pytest.raises(SubmissionRefused, match="file and as a folder"):
        extract(archive, dest)


# Tar -------------------------------------------------------------------------------------------------------


def test_tar_gz_is_extracted(tmp_path, dest):
    archive = tar_gz_file(
        tmp_path / "s.tar.gz",
        [tar_member("app", tarfile.DIRTYPE, mode=0o755), tar_member("app/main.py"), tar_member(".git/config")],
        {"app/main.py": b"print(2)\n", ".git/config": b"[core]\n"},
    )
    extract(archive, dest)
    assert tree(dest) == {"main.py": "print(2)\n"}  # single top folder unwrapped, .git stripped


@pytest.mark.parametrize(
    ("member", "reason"),
    [
        (tar_member("link", tarfile.SYMTYPE, linkname="/etc/passwd"), "link"),
        (tar_member("hard", tarfile.LNKTYPE, linkname="etc/passwd"), "link"),
        (tar_member("null", tarfile.CHRTYPE, devmajor=1, devminor=3), "special file"),
        (tar_member("disk", tarfile.BLKTYPE, devmajor=8, devminor=0), "special file"),
        (tar_member("fifo", tarfile.FIFOTYPE), "special file"),
        (tar_member("../../evil"), "outside"),
        (tar_member("/tmp/evil"), "absolute"),
    ],
    ids=["symlink", "hardlink", "chardev", "blockdev", "fifo", "dotdot", "absolute"],
)
def test_tar_hostile_members_are_refused(tmp_path, dest, member, reason):
    archive = tar_gz_file(
        tmp_path / "s.tar.gz",
        [tar_member("ok.py"), member],
        {"ok.py": b"", member.name: b"x"} if member.isreg() else {"ok.py": b""},
    )
    with pytest.raises(SubmissionRefused, match=reason):
        extract(archive, dest)


def test_tar_bomb_is_refused(tmp_path, dest):
    archive = tar_gz_file(
        tmp_path / "s.tar.gz", [tar_member(f"z{i}") for i in range(6)], {f"z{i}": b"\0" * (9 * MiB) for i in range(6)}
    )
    with pytest.raises(SubmissionRefused, match="bomb|larger"):
        extract(archive, dest)
    assert sum(f.stat().st_size for f in dest.rglob("*") if f.is_file()) <= 50 * MiB


def test_garbage_is_refused(tmp_path, dest):
    junk = tmp_path / "s.zip"
    junk.write_bytes(b"not an archive at all")
    with pytest.raises(SubmissionRefused, match="not a folder"):
        extract(junk, dest)
    corrupt = tmp_path / "c.tar.gz"
    corrupt.write_bytes(b"\x1f\x8b\x08\x00" + os.urandom(100))
    with pytest.raises(SubmissionRefused):
        extract(corrupt, tmp_path / "out2")


def test_missing_source_is_refused(tmp_path, dest):
    with pytest.raises(SubmissionRefused):
        extract(tmp_path / "nope.zip", dest)


def test_destination_must_be_empty(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "x").write_text("")
    with pytest.raises(ValueError):
        extract(tmp_path, out)


# Git bundles -----------------------------------------------------------------------------------------------


def test_git_bundle_is_read_blob_by_blob(tmp_path, dest):
    repo = git_repo(tmp_path / "repo", {"app.py": "print(3)\n", "pkg/mod.py": "y = 2\n"})
    (repo / "run.sh").write_text("#!/bin/sh\n")
    (repo / "run.sh").chmod(0o755)
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "exec")
    extract(git_bundle(repo, tmp_path / "s.bundle"), dest)
    assert tree(dest) == {"app.py": "print(3)\n", "pkg/": "", "pkg/mod.py": "y = 2\n", "run.sh": "#!/bin/sh\n"}
    assert os.stat(dest / "run.sh").st_mode & 0o111


def test_git_bundle_with_a_symlink_is_refused(tmp_path, dest):
    repo = git_repo(tmp_path / "repo", {"app.py": ""})
    (repo / "link").symlink_to("/etc/passwd")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "link")
    with pytest.raises(SubmissionRefused, match="symbolic link"):
        extract(git_bundle(repo, tmp_path / "s.bundle"), dest)


def test_git_bundle_filters_and_submodules_never_run(tmp_path, dest):
    pwned = tmp_path / "pwned"
    repo = git_repo(
        tmp_path / "repo",
        {
            "app.py": "print(1)\n",
            ".gitattributes": "*.py filter=evil\n",
            ".gitmodules": f'[submodule "x"]\n\tpath = x\n\turl = ext::sh -c touch% {pwned}\n',
        },
    )
    extract(git_bundle(repo, tmp_path / "s.bundle"), dest)
    assert not pwned.exists()
    assert (dest / "app.py").read_text() == "print(1)\n"


def test_git_bundle_with_a_submodule_is_refused(tmp_path, dest):
    inner = git_repo(tmp_path / "inner", {"a": "a"})
    repo = git_repo(tmp_path / "repo", {"app.py": ""})
    sha = git(inner, "rev-parse", "HEAD").strip()
    git(repo, "update-index", "--add", "--cacheinfo", f"160000,{sha},vendor")
    git(repo, "commit", "-qm", "submodule")
    with pytest.raises(SubmissionRefused, match="submodule"):
        extract(git_bundle(repo, tmp_path / "s.bundle"), dest)


def test_truncated_bundle_is_refused(tmp_path, dest):
    repo = git_repo(tmp_path / "repo", {"app.py": "x" * 5000})
    data = git_bundle(repo, tmp_path / "s.bundle").read_bytes()
    (tmp_path / "t.bundle").write_bytes(data[: len(data) // 2])
    with pytest.raises(SubmissionRefused, match="[Gg]it"):
        extract(tmp_path / "t.bundle", dest)


# Git URLs --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://github.com/a/b.git",
        "ssh://git@github.com/a/b.git",
        "file:///etc",
        "ext::sh -c id",
        "https://evil.example/a/b.git",
        "https://user:pw@github.com/a/b.git",
        "https://github.com:8443/a/b.git",
    ],
)
def test_git_url_must_be_https_on_an_allowed_host(tmp_path, url):
    with pytest.raises(SubmissionRefused):
        fetch_git_url(url, tmp_path / "out", allowed_hosts={"github.com"})

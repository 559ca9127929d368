"""A folder on disk: what git would commit when it is a work tree, else every file; links refuse it."""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from labs.grading.exceptions import SubmissionRefused
from labs.grading.intake.git import git_listed_files
from labs.grading.intake.limits import refused
from labs.grading.intake.writer import TreeWriter, read_chunks


def from_directory(source: Path, writer: TreeWriter) -> None:
    names = None
    if (source / ".git").is_dir() and not (source / ".git").is_symlink():
        with contextlib.suppress(SubmissionRefused):  # not a repository after all: take every file
            names = git_listed_files(source, writer.limits)
    if names is not None:
        for name in names:
            parts = writer.parts(name)
            if parts is None:
                continue
            _copy_file(source, parts, writer)
        return
    for root, dirs, files in os.walk(source, followlinks=False):
        rel = Path(root).relative_to(source).parts
        dirs[:] = sorted(d for d in dirs if d not in (".git", "__pycache__"))
        for d in dirs:
            if (Path(root) / d).is_symlink():
                raise refused(f"The folder contains a symbolic link ({'/'.join((*rel, d))}).")
            writer.directory((*rel, d))
        for name in sorted(files):
            _copy_file(source, (*rel, name), writer)


def _copy_file(source: Path, parts: tuple[str, ...], writer: TreeWriter) -> None:
    path = source.joinpath(*parts)
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return  # listed by git but deleted in the work tree
    if stat.S_ISLNK(st.st_mode):
        raise refused(f"The folder contains a symbolic link ({'/'.join(parts)}).")
    if stat.S_ISDIR(st.st_mode):
        writer.directory(parts)  # a git-listed path can be a nested repository
        return
    if not stat.S_ISREG(st.st_mode):
        raise refused(f"The folder contains a special file ({'/'.join(parts)}).")
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    with open(fd, "rb") as f:
        writer.file(
            parts,
            read_chunks(f, writer.limits.max_file_bytes),
            executable=bool(st.st_mode & 0o111),
            size=st.st_size,
        )

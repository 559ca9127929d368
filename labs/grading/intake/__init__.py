"""Turn a submission (directory, zip, tar.gz, git bundle, git URL) into a plain tree the grader can trust.

Only regular files and directories come through. Anything else (absolute or `..` paths, symbolic and hard links,
devices, FIFOs, sparse files, encrypted zip entries, duplicate names) refuses the whole submission, as do too many
entries, too many bytes, a too large file or a suspicious compression ratio. `.git` is stripped. Sizes in headers
are checked first and then enforced again while writing (`writer`), since headers lie. Archives are read in
`archives`, folders in `folders`, bundles and URLs in `git`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

from labs.grading.intake.archives import from_tar, from_zip, is_tar
from labs.grading.intake.folders import from_directory
from labs.grading.intake.git import check_git_url, fetch_git_url, from_bundle
from labs.grading.intake.limits import IntakeLimits, refused
from labs.grading.intake.writer import TreeWriter

__all__ = ["IntakeLimits", "check_git_url", "extract", "fetch_git_url", "remove_tree"]


def extract(source: Path, dest: Path, *, limits: IntakeLimits = IntakeLimits()) -> None:  # noqa: B008
    """Copy or extract source into dest (an existing empty directory, or a path to create).

    A directory with a `.git` folder gives what git would commit (tracked plus untracked-not-ignored files);
    any other directory gives all its files. An archive or bundle whose entries all sit in one top-level folder
    (as GitHub's downloads do) is unwrapped. Raises SubmissionRefused with a reason a learner understands.
    """
    source = Path(source)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    if any(dest.iterdir()):
        raise ValueError(f"intake destination {dest} is not empty")
    writer = TreeWriter(dest, limits)
    if source.is_dir():
        from_directory(source, writer)
        return
    if not source.is_file():
        raise refused("The submission was not found or is not a file or folder.")
    size = source.stat().st_size
    with open(source, "rb") as f:
        head = f.read(512)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        from_zip(source, size, writer)
    elif head.startswith((b"# v2 git bundle", b"# v3 git bundle")):
        from_bundle(source, writer)
    elif head.startswith(b"\x1f\x8b") or is_tar(source):
        from_tar(source, size, writer)
    else:
        raise refused("The submission is not a folder, a .zip, a .tar.gz or a git bundle.")
    unwrap_single_folder(dest)


def unwrap_single_folder(dest: Path) -> None:
    children = list(dest.iterdir())
    if len(children) != 1 or not children[0].is_dir() or children[0].is_symlink():
        return
    inner = children[0]
    holding = dest / f".intake-{os.getpid()}"
    inner.rename(holding)
    for child in holding.iterdir():
        child.rename(dest / child.name)
    holding.rmdir()


def remove_tree(path: Path) -> None:
    """Remove an intake tree (it holds only regular files and directories)."""
    with contextlib.suppress(FileNotFoundError):
        shutil.rmtree(path)

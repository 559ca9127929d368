"""The validated tree an intake writes: every name and size limit is enforced here, as bytes arrive."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from labs.grading.intake.limits import IntakeLimits, MiB, refused


class TreeWriter:
    """Creates the validated tree under dest and keeps the counts; every limit is enforced here."""

    def __init__(self, dest: Path, limits: IntakeLimits) -> None:
        self.dest = dest
        self.limits = limits
        self.entries = 0
        self.total = 0
        self.seen: dict[tuple[str, ...], bool] = {}  # path -> is_dir

    def parts(self, name: str) -> tuple[str, ...] | None:
        """The validated components of an entry name; None for an entry to skip (inside .git)."""
        if "\0" in name:
            raise refused("An entry name contains a NUL byte.")
        if len(name.encode("utf-8", "surrogateescape")) > self.limits.max_path_bytes:
            raise refused(f"An entry name is longer than {self.limits.max_path_bytes} bytes.")
        unified = name.replace("\\", "/")
        if unified.startswith("/") or (len(unified) > 1 and unified[1] == ":"):
            raise refused(f"The entry {name!r} has an absolute path; only relative paths are accepted.")
        parts = tuple(p for p in unified.split("/") if p not in ("", "."))
        if ".." in parts:
            raise refused(f"The entry {name!r} points outside the submission (`..`).")
        if any(len(p.encode("utf-8", "surrogateescape")) > 255 for p in parts):
            raise refused(f"The entry {name!r} has a name longer than 255 bytes.")
        if len(parts) > self.limits.max_depth:
            raise refused(f"The entry {name!r} is nested more than {self.limits.max_depth} folders deep.")
        if ".git" in parts:
            return None
        return parts

    def count(self, declared_size: int = 0) -> None:
        self.entries += 1
        if self.entries > self.limits.max_entries:
            raise refused(f"The submission has more than {self.limits.max_entries} files and folders.")
        if declared_size > self.limits.max_file_bytes:
            raise refused(f"A file is larger than {self.limits.max_file_bytes // MiB} MiB.")
        if self.total + declared_size > self.limits.max_total_bytes:
            raise refused(f"The submission is larger than {self.limits.max_total_bytes // MiB} MiB unpacked.")

    def directory(self, parts: tuple[str, ...]) -> None:
        if not parts:
            return
        if self.seen.get(parts) is False:
            raise refused(f"{'/'.join(parts)} appears both as a file and as a folder.")
        if parts in self.seen:
            return
        self.directory(parts[:-1])
        self.count()
        path = self.dest.joinpath(*parts)
        try:
            path.mkdir(mode=0o755)
        except FileExistsError:
            raise refused(f"{'/'.join(parts)} appears both as a file and as a folder.") from None
        self.seen[parts] = True

    def file(self, parts: tuple[str, ...], chunks: Iterator[bytes], *, executable: bool, size: int) -> None:
        if not parts:
            raise refused("An archive entry has an empty name.")
        if parts in self.seen:
            raise refused(f"{'/'.join(parts)} appears twice in the submission.")
        self.count(size)
        self.directory(parts[:-1])
        self.seen[parts] = False
        path = self.dest.joinpath(*parts)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
        fd = os.open(path, flags, 0o755 if executable else 0o644)
        written = 0
        with open(fd, "wb") as f:
            for chunk in chunks:
                written += len(chunk)
                self.total += len(chunk)
                if written > self.limits.max_file_bytes:
                    raise refused(f"A file is larger than {self.limits.max_file_bytes // MiB} MiB.")
                if self.total > self.limits.max_total_bytes:
                    raise refused(f"The submission is larger than {self.limits.max_total_bytes // MiB} MiB unpacked.")
                f.write(chunk)


def read_chunks(f: IO[bytes], limit: int) -> Iterator[bytes]:
    """Read at most limit + 1 bytes, so the writer sees a lie about the size and refuses."""
    left = limit + 1
    while left > 0:
        chunk = f.read(min(65536, left))
        if not chunk:
            return
        left -= len(chunk)
        yield chunk

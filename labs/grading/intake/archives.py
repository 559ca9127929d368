"""Zip and tar archives, read entry by entry into a TreeWriter: only regular files and folders come through."""

from __future__ import annotations

import stat
import tarfile
import zipfile
import zlib
from pathlib import Path

from labs.grading.intake.limits import IntakeLimits, refused
from labs.grading.intake.writer import TreeWriter, read_chunks


def _check_ratio(declared_total: int, archive_size: int, limits: IntakeLimits) -> None:
    if declared_total > limits.ratio_floor_bytes and declared_total > limits.max_ratio * max(archive_size, 1):
        raise refused("The archive expands to far more than its size (a compression bomb?).")


def from_zip(source: Path, size: int, writer: TreeWriter) -> None:
    limits = writer.limits
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError) as e:
        raise refused(f"The zip file could not be read: {e}") from None
    with archive:
        infos = archive.infolist()
        if len(infos) > limits.max_entries:
            raise refused(f"The submission has more than {limits.max_entries} files and folders.")
        _check_ratio(sum(i.file_size for i in infos), size, limits)
        for info in infos:
            parts = writer.parts(info.filename)
            mode = info.external_attr >> 16
            kind = stat.S_IFMT(mode)
            if kind and kind not in (stat.S_IFREG, stat.S_IFDIR):
                what = "symbolic link" if kind == stat.S_IFLNK else "special file"
                raise refused(f"The archive contains a {what} ({info.filename}); only files and folders are accepted.")
            if info.flag_bits & 0x1:
                raise refused(f"The archive contains an encrypted file ({info.filename}).")
            if parts is None:
                continue
            if info.is_dir():
                writer.directory(parts)
                continue
            try:
                with archive.open(info) as f:
                    writer.file(
                        parts,
                        read_chunks(f, limits.max_file_bytes),
                        executable=bool(mode & 0o111),
                        size=info.file_size,
                    )
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as e:
                raise refused(f"The zip entry {info.filename} could not be read: {e}") from None


def is_tar(source: Path) -> bool:
    try:
        return tarfile.is_tarfile(source)
    except OSError:
        return False


def from_tar(source: Path, size: int, writer: TreeWriter) -> None:
    limits = writer.limits
    declared = 0
    try:
        # Streaming mode: members are read once, in order, and never all held in memory.
        with tarfile.open(source, mode="r|*") as archive:
            for member in archive:
                parts = writer.parts(member.name)
                if member.issym() or member.islnk():
                    raise refused(f"The archive contains a link ({member.name}); only files and folders are accepted.")
                if not (member.isreg() or member.isdir()) or member.issparse():
                    raise refused(
                        f"The archive contains a special file ({member.name}); only files and folders are accepted."
                    )
                declared += member.size
                _check_ratio(declared, size, limits)
                if parts is None:
                    writer.count(0)
                    continue
                if member.isdir():
                    writer.directory(parts)
                    continue
                f = archive.extractfile(member)
                assert f is not None
                writer.file(
                    parts,
                    read_chunks(f, limits.max_file_bytes),
                    executable=bool(member.mode & 0o111),
                    size=member.size,
                )
    except (tarfile.TarError, EOFError, OSError, zlib.error) as e:
        raise refused(f"The archive could not be read: {e}") from None

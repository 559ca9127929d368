"""Turn a submission (directory, zip, tar.gz, git bundle, git URL) into a plain tree the grader can trust.

Only regular files and directories come through. Anything else (absolute or `..` paths, symbolic and hard links,
devices, FIFOs, sparse files, encrypted zip entries, duplicate names) refuses the whole submission, as do too many
entries, too many bytes, a too large file or a suspicious compression ratio. `.git` is stripped. Sizes in headers
are checked first and then enforced again while writing, since headers lie.

Git never runs hooks, fsmonitor, filters, submodules or a non-allow-listed protocol here: it runs with no system or
global config, an empty HOME, overrides for every key that can start a program, a timeout and rlimits, and trees
are read object by object (`ls-tree` + `cat-file`), never checked out.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import subprocess
import tarfile
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from labs.grading.exceptions import SubmissionRefused

MiB = 1024 * 1024


@dataclass(frozen=True)
class IntakeLimits:
    max_entries: int = 5_000  # files and directories
    max_total_bytes: int = 50 * MiB  # uncompressed
    max_file_bytes: int = 10 * MiB
    max_ratio: float = 100.0  # uncompressed bytes / archive bytes, for archives past ratio_floor_bytes
    ratio_floor_bytes: int = 1 * MiB  # small archives may compress well without being bombs
    max_depth: int = 32
    max_path_bytes: int = 1024
    git_timeout: float = 60.0


def refused(reason: str) -> SubmissionRefused:
    return SubmissionRefused(reason)


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
    writer = _Writer(dest, limits)
    if source.is_dir():
        _from_directory(source, writer)
        return
    if not source.is_file():
        raise refused("The submission was not found or is not a file or folder.")
    size = source.stat().st_size
    with open(source, "rb") as f:
        head = f.read(512)
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        _from_zip(source, size, writer)
    elif head.startswith((b"# v2 git bundle", b"# v3 git bundle")):
        _from_bundle(source, writer)
    elif head.startswith(b"\x1f\x8b") or _is_tar(source):
        _from_tar(source, size, writer)
    else:
        raise refused("The submission is not a folder, a .zip, a .tar.gz or a git bundle.")
    _unwrap_single_folder(dest)


def check_git_url(url: str, *, allowed_hosts: frozenset[str] | set[str] | list[str]) -> None:
    """Refuse anything but an https URL of a repository on an allow-listed host: no file://, ext::, ssh, options
    (a leading `-`), credentials, ports or control characters. The site checks at submit time, the worker again
    before it clones."""
    if len(url) > 500 or url.startswith("-") or any(c.isspace() or ord(c) < 32 for c in url):
        raise refused("That is not a git URL we can clone.")
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme != "https":
        raise refused("Only https:// git URLs are accepted.")
    if parts.username or parts.password or parts.port not in (None, 443):
        raise refused("The git URL must not contain a user name, password or port.")
    allowed = {h.lower() for h in allowed_hosts}
    if host not in allowed:
        listed = ", ".join(sorted(allowed)) or "none"
        raise refused(f"Repositories from {host or 'that address'} are not accepted here (allowed: {listed}).")
    if not parts.path.strip("/"):
        raise refused("The git URL must name a repository.")


def fetch_git_url(
    url: str,
    dest: Path,
    *,
    allowed_hosts: frozenset[str] | set[str] | list[str],
    limits: IntakeLimits = IntakeLimits(),  # noqa: B008
) -> None:
    """Shallow-clone an https URL on an allow-listed host and write its default branch's tree into dest."""
    check_git_url(url, allowed_hosts=allowed_hosts)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="intake-git-") as tmp:
        repo = Path(tmp) / "repo.git"
        _git(
            ["clone", "--bare", "--depth=1", "--single-branch", "--no-tags", "--quiet", "--", url, str(repo)],
            Path(tmp),
            limits,
            protocol="https",
            what="clone the repository",
        )
        _tree_to(repo, Path(tmp), _Writer(dest, limits), limits)


# Writing -------------------------------------------------------------------------------------------------


class _Writer:
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


def _read_chunks(f, limit: int) -> Iterator[bytes]:
    """Read at most limit + 1 bytes, so the writer sees a lie about the size and refuses."""
    left = limit + 1
    while left > 0:
        chunk = f.read(min(65536, left))
        if not chunk:
            return
        left -= len(chunk)
        yield chunk


def _check_ratio(declared_total: int, archive_size: int, limits: IntakeLimits) -> None:
    if declared_total > limits.ratio_floor_bytes and declared_total > limits.max_ratio * max(archive_size, 1):
        raise refused("The archive expands to far more than its size (a compression bomb?).")


# Sources -------------------------------------------------------------------------------------------------


def _from_zip(source: Path, size: int, writer: _Writer) -> None:
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
                        _read_chunks(f, limits.max_file_bytes),
                        executable=bool(mode & 0o111),
                        size=info.file_size,
                    )
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as e:
                raise refused(f"The zip entry {info.filename} could not be read: {e}") from None


def _is_tar(source: Path) -> bool:
    try:
        return tarfile.is_tarfile(source)
    except OSError:
        return False


def _from_tar(source: Path, size: int, writer: _Writer) -> None:
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
                    _read_chunks(f, limits.max_file_bytes),
                    executable=bool(member.mode & 0o111),
                    size=member.size,
                )
    except (tarfile.TarError, EOFError, OSError, zlib.error) as e:
        raise refused(f"The archive could not be read: {e}") from None


def _from_directory(source: Path, writer: _Writer) -> None:
    names = None
    if (source / ".git").is_dir() and not (source / ".git").is_symlink():
        with contextlib.suppress(SubmissionRefused):  # not a repository after all: take every file
            names = _git_listed_files(source, writer.limits)
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


def _copy_file(source: Path, parts: tuple[str, ...], writer: _Writer) -> None:
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
            _read_chunks(f, writer.limits.max_file_bytes),
            executable=bool(st.st_mode & 0o111),
            size=st.st_size,
        )


def _unwrap_single_folder(dest: Path) -> None:
    children = list(dest.iterdir())
    if len(children) != 1 or not children[0].is_dir() or children[0].is_symlink():
        return
    inner = children[0]
    holding = dest / f".intake-{os.getpid()}"
    inner.rename(holding)
    for child in holding.iterdir():
        child.rename(dest / child.name)
    holding.rmdir()


# Git -----------------------------------------------------------------------------------------------------

# Every config key that can make git start a program or reach the network, neutralised on the command line
# (which wins over any repository config).
_GIT_SAFE_CONFIG = (
    "core.hooksPath=/dev/null",
    "core.fsmonitor=false",
    "core.untrackedCache=false",
    "core.sshCommand=false",
    "core.askPass=false",
    "core.pager=cat",
    "core.editor=false",
    "core.gitProxy=false",
    "core.alternateRefsCommand=false",
    "credential.helper=",
    "diff.external=",
    "gpg.program=false",
    "submodule.recurse=false",
    "fetch.recurseSubmodules=false",
    "protocol.allow=never",
    "protocol.file.allow=never",
    "protocol.ext.allow=never",
    "http.followRedirects=false",
    "uploadpack.packObjectsHook=",
    "transfer.fsckObjects=true",
    "safe.bareRepository=all",
    "init.templateDir=",
)


def _git_env(home: Path) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "GIT_ATTR_NOSYSTEM": "1",
        "GIT_TERMINAL_PROMPT": "0",
        "GIT_ASKPASS": "false",
        "SSH_ASKPASS": "false",
        "GIT_PROTOCOL_FROM_USER": "0",
        "GIT_NO_REPLACE_OBJECTS": "1",
        "LC_ALL": "C",
    }


def _git(
    args: list[str],
    home: Path,
    limits: IntakeLimits,
    *,
    cwd: Path | None = None,
    protocol: str | None = None,
    what: str,
    stdin: bytes | None = None,
) -> bytes:
    git = shutil.which("git", path="/usr/bin:/bin")
    if git is None:
        raise RuntimeError("git is not installed")
    config: list[str] = []
    for item in _GIT_SAFE_CONFIG:
        config += ["-c", item]
    if protocol:
        config += ["-c", f"protocol.{protocol}.allow=always"]
    prefix: list[str] = []
    prlimit = shutil.which("prlimit", path="/usr/bin:/bin")
    if prlimit:
        cpu = int(limits.git_timeout)
        prefix = [prlimit, f"--cpu={cpu}", f"--fsize={4 * limits.max_total_bytes}", "--core=0", "--"]
    try:
        done = subprocess.run(
            [*prefix, git, *config, *args],
            cwd=cwd or home,
            env=_git_env(home),
            input=stdin,
            stdin=None if stdin is not None else subprocess.DEVNULL,
            capture_output=True,
            timeout=limits.git_timeout,
        )
    except subprocess.TimeoutExpired:
        raise refused(f"Git could not {what} within {limits.git_timeout:g} s.") from None
    if done.returncode != 0:
        message = done.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["unknown error"]
        raise refused(f"Git could not {what}: {message[0][:300]}")
    return done.stdout


def _git_listed_files(source: Path, limits: IntakeLimits) -> list[str]:
    """What git would commit from a work tree: tracked files plus untracked ones it does not ignore."""
    with tempfile.TemporaryDirectory(prefix="intake-home-") as home:
        out = _git(
            [
                "-c",
                f"safe.directory={source.resolve()}",
                "ls-files",
                "-z",
                "--cached",
                "--others",
                "--exclude-standard",
            ],
            Path(home),
            limits,
            cwd=source,
            what="list the files of the folder",
        )
    names = [n for n in out.decode("utf-8", "surrogateescape").split("\0") if n]
    if len(names) > limits.max_entries:
        raise refused(f"The submission has more than {limits.max_entries} files and folders.")
    return sorted(set(names))


def _from_bundle(source: Path, writer: _Writer) -> None:
    with tempfile.TemporaryDirectory(prefix="intake-git-") as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        repo = Path(tmp) / "repo.git"
        _git(["init", "--bare", "--quiet", str(repo)], home, writer.limits, what="prepare a repository")
        _git(
            ["-C", str(repo), "fetch", "--quiet", "--no-tags", str(source.resolve()), "+refs/*:refs/bundle/*"],
            home,
            writer.limits,
            protocol="file",
            what="read the git bundle",
        )
        _tree_to(repo, home, writer, writer.limits)


def _tree_to(repo: Path, home: Path, writer: _Writer, limits: IntakeLimits) -> None:
    """Write the tree of the repository's main branch, blob by blob: no checkout, so no filters or hooks."""
    refs = (
        _git(["-C", str(repo), "for-each-ref", "--format=%(refname)"], home, limits, what="list the branches")
        .decode(errors="replace")
        .split()
    )
    preferred = [r for r in refs if r.rsplit("/", 1)[-1] in ("HEAD", "main", "master")]
    candidates = preferred or refs
    if not candidates:
        raise refused("The git bundle contains no branch.")
    ref = candidates[0]
    listing = _git(
        ["-C", str(repo), "ls-tree", "-r", "-z", "--long", "--full-tree", ref], home, limits, what="list the files"
    )
    blobs: list[tuple[tuple[str, ...], str, bool, int]] = []
    for record in listing.split(b"\0"):
        if not record:
            continue
        meta, _, name_bytes = record.partition(b"\t")
        mode, kind, sha, size = meta.decode().split()
        name = name_bytes.decode("utf-8", "surrogateescape")
        if mode == "120000":
            raise refused(f"The repository contains a symbolic link ({name}); only files and folders are accepted.")
        if kind == "commit":
            raise refused(f"The repository contains a submodule ({name}); submodules are not accepted.")
        if kind != "blob" or mode not in ("100644", "100755"):
            raise refused(f"The repository contains an unsupported entry ({name}).")
        parts = writer.parts(name)
        if parts is not None:
            blobs.append((parts, sha, mode == "100755", int(size)))
    if len(blobs) > limits.max_entries:
        raise refused(f"The submission has more than {limits.max_entries} files and folders.")
    if any(size > limits.max_file_bytes for *_, size in blobs):
        raise refused(f"A file is larger than {limits.max_file_bytes // MiB} MiB.")
    if sum(size for *_, size in blobs) > limits.max_total_bytes:
        raise refused(f"The submission is larger than {limits.max_total_bytes // MiB} MiB unpacked.")
    if not blobs:
        return
    # One `cat-file --batch` for all blobs: "<sha> blob <size>\n<data>\n" each, in order.
    out = _git(
        ["-C", str(repo), "cat-file", "--batch"],
        home,
        limits,
        what="read the files",
        stdin="".join(f"{sha}\n" for _, sha, _, _ in blobs).encode(),
    )
    pos = 0
    for parts, sha, executable, size in blobs:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        if len(header) != 3 or header[0].decode() != sha or int(header[2]) != size:
            raise refused("The git repository is damaged.")
        data = out[end + 1 : end + 1 + size]
        pos = end + 1 + size + 1
        writer.file(parts, iter([data]), executable=executable, size=size)


def remove_tree(path: Path) -> None:
    """Remove an intake tree (it holds only regular files and directories)."""
    with contextlib.suppress(FileNotFoundError):
        shutil.rmtree(path)

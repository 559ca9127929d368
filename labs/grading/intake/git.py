"""Git bundles and https URLs, read object by object with a git that can start no program and reach no other host.

Git never runs hooks, fsmonitor, filters, submodules or a non-allow-listed protocol here: it runs with no system or
global config, an empty HOME, overrides for every key that can start a program, a timeout and rlimits, and trees
are read object by object (`ls-tree` + `cat-file`), never checked out.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from labs.grading.intake.limits import IntakeLimits, MiB, refused
from labs.grading.intake.writer import TreeWriter


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
        _tree_to(repo, Path(tmp), TreeWriter(dest, limits), limits)


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


def git_listed_files(source: Path, limits: IntakeLimits) -> list[str]:
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


def from_bundle(source: Path, writer: TreeWriter) -> None:
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


def _tree_to(repo: Path, home: Path, writer: TreeWriter, limits: IntakeLimits) -> None:
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
    for parts, sha, executable, blob_size in blobs:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        if len(header) != 3 or header[0].decode() != sha or int(header[2]) != blob_size:
            raise refused("The git repository is damaged.")
        data = out[end + 1 : end + 1 + blob_size]
        pos = end + 1 + blob_size + 1
        writer.file(parts, iter([data]), executable=executable, size=blob_size)

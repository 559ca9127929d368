"""What a box sees: the bwrap arguments that build its filesystem and namespaces.

A read-only view of the host's /usr and libraries, a few harmless files of /etc, our own passwd/group/hosts, a
private /proc and /dev, size-capped tmpfs for /workspace, /tmp and /dev/shm, and the caller's read-only mounts.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from labs.sandbox import Limits

NOBODY = 65534

# Read-only pieces of the host's /etc a Python or Node program needs; nothing with secrets.
ETC_FILES = (
    "alternatives",
    "ca-certificates",
    "ca-certificates.conf",
    "ssl",
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "localtime",
    "mime.types",
    "protocols",
    "services",
    "debian_version",
    "os-release",
    "python3",
    "python3.11",
)
GENERATED_ETC = {
    "/etc/passwd": "root:x:0:0:root:/root:/usr/sbin/nologin\nnobody:x:65534:65534:nobody:/tmp:/usr/sbin/nologin\n",
    "/etc/group": "root:x:0:\nnogroup:x:65534:\n",
    "/etc/hosts": "127.0.0.1\tlocalhost box\n::1\tlocalhost ip6-localhost ip6-loopback\n",
    "/etc/nsswitch.conf": "passwd: files\ngroup: files\nhosts: files\n",
    "/etc/hostname": "box\n",
}
DEVICES = ("null", "zero", "full", "random", "urandom")


def bwrap_args(
    bwrap: str, limits: Limits, ro_mounts: Mapping[str, Path], *, info_fd: int
) -> tuple[list[str], list[int]]:
    """argv of the box's holder (bwrap running `sleep infinity` as the box's first process) and the fds it must
    inherit. ro_mounts maps box paths to host paths the slot uid can read. bwrap writes its child's pid as JSON to
    info_fd once the namespaces exist."""
    fds: list[int] = []

    def data_fd(text: str) -> str:
        r, w = os.pipe()
        os.write(w, text.encode())
        os.close(w)
        fds.append(r)
        return str(r)

    args = [
        bwrap,
        "--unshare-all",
        "--unshare-user",
        "--uid",
        str(NOBODY),
        "--gid",
        str(NOBODY),
        "--hostname",
        "box",
        "--new-session",
        "--die-with-parent",
        "--clearenv",
        "--ro-bind",
        "/usr",
        "/usr",
        # Host-local installs are not part of the image a learner may rely on.
        "--size",
        "4096",
        "--tmpfs",
        "/usr/local",
    ]
    for top in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        host = Path("/") / top
        if host.is_symlink():
            args += ["--symlink", os.readlink(host), f"/{top}"]
        elif host.is_dir():
            args += ["--ro-bind", str(host), f"/{top}"]
    for name in ETC_FILES:
        args += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    for path, text in GENERATED_ETC.items():
        args += ["--perms", "0444", "--file", data_fd(text), path]
    args += ["--proc", "/proc", "--tmpfs", "/dev"]
    for dev in DEVICES:
        args += ["--dev-bind", f"/dev/{dev}", f"/dev/{dev}"]
    for i, name in enumerate(("stdin", "stdout", "stderr")):
        args += ["--symlink", f"/proc/self/fd/{i}", f"/dev/{name}"]
    args += ["--symlink", "/proc/self/fd", "/dev/fd"]
    args += ["--size", str(min(limits.tmp_bytes, 16 * 1024 * 1024)), "--tmpfs", "/dev/shm"]
    args += ["--size", str(limits.workspace_bytes), "--tmpfs", "/workspace"]
    args += ["--size", str(limits.tmp_bytes), "--tmpfs", "/tmp"]
    for dest, host in ro_mounts.items():
        args += ["--ro-bind", str(host), dest]
    args += [
        "--remount-ro",
        "/usr/local",
        "--remount-ro",
        "/dev",
        "--remount-ro",
        "/",
        "--info-fd",
        str(info_fd),
        "/usr/bin/sleep",
        "infinity",
    ]
    return args, fds

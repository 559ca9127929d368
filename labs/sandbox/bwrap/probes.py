"""The host's view into a box's network: which TCP ports listen there, and HTTP requests made by our own code.

Nothing here runs in the box or trusts what the box prints. Sockets are created in the box's network namespace,
by a short-lived thread that enters it (root), or, without CAP_SYS_ADMIN, handed over by a helper process
(`helpers/socket_helper.py`) that nsenter put in the box's user and network namespaces.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import http.client
import os
import socket
import subprocess
import threading
import time
from collections.abc import Mapping
from typing import Any

from labs.sandbox import HttpResult, ProbeError
from labs.sandbox.bwrap.helpers import source

CLONE_NEWNET = 0x40000000
TCP_LISTEN = "0A"

_libc = ctypes.CDLL(None, use_errno=True)


class NetworkProbe:
    def __init__(self, init_pid: int, *, nsenter: str, popen_kwargs: Mapping[str, Any]) -> None:
        self.init_pid = init_pid
        self.nsenter = nsenter
        self.popen_kwargs = dict(popen_kwargs)
        self._helper: tuple[subprocess.Popen[bytes], socket.socket] | None = None
        self._helper_lock = threading.Lock()

    def listening(self) -> list[tuple[str, int]]:
        found: list[tuple[str, int]] = []
        for name in ("tcp", "tcp6"):
            try:
                with open(f"/proc/{self.init_pid}/net/{name}", "rb") as f:
                    lines = f.read().decode("ascii", "replace").splitlines()[1:]
            except OSError:
                continue
            for line in lines:
                fields = line.split()
                if len(fields) < 4 or fields[3] != TCP_LISTEN:
                    continue
                addr_hex, port_hex = fields[1].split(":")
                item = (decode_addr(addr_hex), int(port_hex, 16))
                if item not in found:
                    found.append(item)
        return found

    def http(
        self,
        port: int,
        path: str,
        *,
        method: str,
        body: bytes | None,
        headers: Mapping[str, str] | None,
        timeout: float,
        host: str,
        max_body: int,
        arriving_for: float,
    ) -> HttpResult:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = self._socket(family)
        # A hostile server may drip bytes forever: at the deadline we shut the socket down under its feet.
        killer = threading.Timer(timeout, _shutdown, args=(sock,))
        killer.daemon = True
        start = time.monotonic()
        killer.start()
        try:
            sock.settimeout(timeout)
            try:
                sock.connect((host, port))
            except OSError as e:
                raise ProbeError(f"could not connect to {host}:{port} in the sandbox: {e}") from e
            try:
                if arriving_for > 0:
                    sock.sendall(f"{method} {path} HTTP/1.1\r\nHost: {host}:{port}\r\n".encode("latin-1"))
                    time.sleep(arriving_for)
                    sock.sendall(b"Connection: close\r\n\r\n")
                    resp = http.client.HTTPResponse(sock, method=method)
                    resp.begin()
                else:
                    conn = http.client.HTTPConnection(host, port, timeout=timeout)
                    conn.sock = sock
                    conn.request(method, path, body=body, headers=dict(headers or {}))
                    resp = conn.getresponse()
                data = resp.read(max_body + 1)
                merged: dict[str, str] = {}
                for k, v in resp.getheaders():
                    k = k.lower()
                    merged[k] = f"{merged[k]}, {v}" if k in merged else v
            except (OSError, http.client.HTTPException, ValueError) as e:
                if time.monotonic() - start >= timeout:
                    raise ProbeError(f"no complete response from port {port} within {timeout:g} s") from e
                raise ProbeError(f"bad or no HTTP response from port {port}: {e!r}") from e
            if time.monotonic() - start >= timeout:
                raise ProbeError(f"no complete response from port {port} within {timeout:g} s")
            return HttpResult(
                status=resp.status,
                headers=merged,
                body=data[:max_body],
                elapsed=time.monotonic() - start,
                truncated=len(data) > max_body,
            )
        finally:
            killer.cancel()
            sock.close()

    def close(self) -> None:
        if self._helper is not None:
            helper, ctl = self._helper
            ctl.close()
            helper.kill()
            helper.wait(timeout=5)
            self._helper = None

    def _socket(self, family: int) -> socket.socket:
        if self._helper is None:
            try:
                return socket_in_netns(self.init_pid, family)
            except PermissionError:
                self._start_helper()
        assert self._helper is not None
        _, ctl = self._helper
        with self._helper_lock:
            try:
                ctl.sendall(b"6" if family == socket.AF_INET6 else b"4")
                _, fds, _, _ = socket.recv_fds(ctl, 1, 1)
            except OSError as e:
                raise ProbeError(f"cannot reach the sandbox's network: {e}") from e
        if not fds:
            raise ProbeError("cannot reach the sandbox's network: the probe helper gave no socket")
        return socket.socket(fileno=fds[0])

    def _start_helper(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        ours.settimeout(10)
        helper = subprocess.Popen(
            [
                self.nsenter,
                f"--target={self.init_pid}",
                "--user",
                "--net",
                "--preserve-credentials",
                "--",
                "/usr/bin/python3",
                "-I",
                "-S",
                "-c",
                source("socket_helper"),
                str(theirs.fileno()),
            ],
            env={"PATH": "/usr/bin:/bin"},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            pass_fds=[theirs.fileno()],
            **self.popen_kwargs,
        )
        theirs.close()
        self._helper = (helper, ours)


def socket_in_netns(pid: int, family: int) -> socket.socket:
    """A TCP socket created in the network namespace of pid.

    Namespaces belong to threads: a short-lived thread enters the box's network namespace, creates the socket
    and ends; the socket stays in that namespace wherever it is used. No interpreter, no process, no learner code.
    """
    result: list[socket.socket | BaseException] = []

    def enter() -> None:
        try:
            fd = os.open(f"/proc/{pid}/ns/net", os.O_RDONLY | os.O_CLOEXEC)
            try:
                if _libc.setns(fd, CLONE_NEWNET) != 0:
                    err = ctypes.get_errno()
                    raise OSError(err, f"setns into the sandbox's network: {os.strerror(err)}")
            finally:
                os.close(fd)
            result.append(socket.socket(family, socket.SOCK_STREAM))
        except BaseException as e:  # handed to the caller's thread
            result.append(e)

    thread = threading.Thread(target=enter, daemon=True)
    thread.start()
    thread.join()
    made = result[0]
    if isinstance(made, BaseException):
        if isinstance(made, OSError) and made.errno == errno.EPERM:
            raise PermissionError(errno.EPERM, "setns into the sandbox's network namespace")
        raise ProbeError(f"cannot reach the sandbox's network: {made}")
    return made


def decode_addr(hex_addr: str) -> str:
    """An address as /proc/net/tcp* prints it (host byte order, in hex) in its usual notation."""
    raw = bytes.fromhex(hex_addr)
    if len(raw) == 4:
        return socket.inet_ntop(socket.AF_INET, raw[::-1])
    # /proc prints IPv6 as four host-order 32-bit words.
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
    return socket.inet_ntop(socket.AF_INET6, words)


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)

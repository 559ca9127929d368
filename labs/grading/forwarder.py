"""A byte relay between two stream sockets, and the forwarder a box runs from this file's own text.

In a box, before any learner code, the grader runs this file as
`/usr/bin/python3 -I -S -c <this file's text> 127.0.0.1 3141 /index/index.sock`: it listens on the box's private
loopback and relays each connection to the unix socket mounted at /index, so uv and pip inside use a plain
http:// index URL. The grader's door on the host (labs.grading.index.Door) relays with the same relay().
Standard library only: it runs isolated, before any venv exists.
"""

import contextlib
import socket
import sys
import threading


def relay(a: socket.socket, b: socket.socket) -> None:
    """Copy bytes both ways until both directions have ended, then close both sockets."""

    def pump(src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                dst.shutdown(socket.SHUT_WR)

    back = threading.Thread(target=pump, args=(b, a), daemon=True)
    back.start()
    pump(a, b)
    back.join()
    a.close()
    b.close()


def _serve(conn: socket.socket, target: str) -> None:
    upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        upstream.connect(target)
    except OSError:
        conn.close()
        upstream.close()
        return
    relay(conn, upstream)


def main(host: str, port: int, target: str) -> None:
    server = socket.create_server((host, port), backlog=64)
    while True:
        conn, _ = server.accept()
        threading.Thread(target=_serve, args=(conn, target), daemon=True).start()


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])

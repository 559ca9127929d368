"""Hand the host TCP sockets made in a box's network namespace, when the grader may not setns there itself.

nsenter puts this in the box's user and network namespaces only (not its PID or mount namespace, so nothing in the
box can see or touch it). argv: the fd of a Unix control socket. For each request byte ("4" or "6") it creates a TCP
socket and passes it back over the control socket with SCM_RIGHTS.
"""

import socket
import sys


def main() -> None:
    ctl = socket.socket(fileno=int(sys.argv[1]))
    while True:
        request = ctl.recv(1)
        if not request:
            break
        family = socket.AF_INET6 if request == b"6" else socket.AF_INET
        made = socket.socket(family, socket.SOCK_STREAM)
        socket.send_fds(ctl, [b"k"], [made.fileno()])
        made.close()


if __name__ == "__main__":
    main()

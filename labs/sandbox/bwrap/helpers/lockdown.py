"""Lock a new box down from the host: no nested user namespaces in it, and (as root) capped System V shm.

argv: the host pid of the box's PID 1, and the shm cap in bytes. Runs outside the box, as root when the grader is
root, else as the owner of the box's user namespace (which grants it capabilities there).
"""

import ctypes
import os
import sys

CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000


def enter(libc: ctypes.CDLL, pid: str, ns: str, flag: int) -> None:
    fd = os.open(f"/proc/{pid}/ns/{ns}", os.O_RDONLY)
    if libc.setns(fd, flag) != 0:
        sys.exit(f"setns {ns}: " + os.strerror(ctypes.get_errno()))
    os.close(fd)


def main() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    pid, shm_bytes = sys.argv[1], int(sys.argv[2])
    if os.geteuid() == 0:
        # System V shared memory escapes every rlimit: cap it in the box's IPC namespace. Its sysctls belong to the
        # namespace's root, unmapped in the box, so only the host's root may write them.
        enter(libc, pid, "ipc", CLONE_NEWIPC)
        for name, value in (("shmmax", shm_bytes), ("shmall", shm_bytes // 4096), ("shmmni", 32)):
            with open(f"/proc/sys/kernel/{name}", "w") as f:
                f.write(str(value))
    enter(libc, pid, "user", CLONE_NEWUSER)
    with open("/proc/sys/user/max_user_namespaces", "w") as f:
        f.write("0")


if __name__ == "__main__":
    main()

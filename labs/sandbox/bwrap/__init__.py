"""The bubblewrap backend, one module per job:

- `backend`: host tools, the availability probe, opening boxes;
- `slots`: one lock file and (as root) one host uid per concurrent box;
- `cgroups`: each slot's memory and pids cgroups (root);
- `staging`: world-readable copies of read-only mounts a slot uid could not reach;
- `image`: the bwrap arguments that make the box's filesystem;
- `box`: a box's life (holder, lockdown, run/start, files, kill, close);
- `process`: a process in a box and the pumps that drain its output;
- `probes`: what listens in the box, and HTTP requests to it from the host;
- `host`: what /proc tells about host processes;
- `helpers/`: the small programs run with the host's python3 (lockdown, socket hand-over).

Host tools: bwrap (Debian bubblewrap), nsenter, prlimit, setpriv (util-linux), and /usr/bin/python3 for the
helpers (and, inside, for learners' apps). As root, each box runs as its slot's uid, in its slot's cgroups; without
root: one slot (our own uid), no cgroups, and HTTP probes get their sockets from a helper process, since only root
may setns into the box's network namespace from a thread.
"""

from labs.sandbox.bwrap.backend import BwrapBackend

__all__ = ["BwrapBackend"]

"""Read-only mounts a slot uid can read: bwrap opens mount sources as the slot uid, so a trusted host tree under
a 0700 home (the wheelhouse, say) is staged as a world-readable copy first."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path


def reachable(path: Path, uid: int) -> bool:
    """Can uid reach and list path? Every parent must let it in."""
    for part in [*reversed(path.parents), path]:
        st = part.stat()
        need = 0o5 if part == path else 0o1
        mode = (st.st_mode >> 6) & 0o7 if st.st_uid == uid else st.st_mode & 0o7
        if mode & need != need:
            return False
    return True


def staged(source: Path, staging_dir: Path) -> Path:
    """A world-readable copy of source, made of hard links where possible, cached by the tree's path and its
    contents' names, sizes and times."""
    entries = sorted(
        (str(p.relative_to(source)), st.st_size, st.st_mtime_ns)
        for p in source.rglob("*")
        if not p.is_symlink() and (st := p.stat())
    )
    key = hashlib.sha256(repr((str(source), entries)).encode()).hexdigest()[:24]
    target = staging_dir / key
    if target.is_dir():
        return target
    staging_dir.mkdir(mode=0o755, parents=True, exist_ok=True)
    staging_dir.chmod(0o755)
    building = Path(tempfile.mkdtemp(prefix=f".{key}-", dir=staging_dir))

    def place(src: str, dst: str) -> None:
        if os.stat(src).st_mode & 0o004:
            try:
                os.link(src, dst)
                return
            except OSError:
                pass
        shutil.copy2(src, dst)
        os.chmod(dst, 0o644)

    shutil.copytree(source, building, symlinks=False, copy_function=place, dirs_exist_ok=True)
    for root, dirs, _ in os.walk(building):
        os.chmod(root, 0o755)
        for d in dirs:
            os.chmod(os.path.join(root, d), 0o755)
    try:
        building.rename(target)
    except OSError:  # another worker staged it first
        shutil.rmtree(building, ignore_errors=True)
    return target

"""Small programs the backend runs with the host's /usr/bin/python3 (`-I -S`, nothing of ours importable).

They are real modules so they are linted and read like the rest of the code; `source(name)` gives the text the
backend passes to `python3 -c`, so no file of the project needs to be readable by a slot's uid.
"""

from __future__ import annotations

from pathlib import Path


def source(name: str) -> str:
    return (Path(__file__).parent / f"{name}.py").read_text()

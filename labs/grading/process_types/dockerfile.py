"""A Dockerfile's default process: the final stage's ENTRYPOINT and CMD, combined as Docker combines them.

https://docs.docker.com/reference/dockerfile/#understand-how-cmd-and-entrypoint-interact
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass

# (line, exec form or shell text) of a CMD or ENTRYPOINT, None when unset.
Setting = tuple[int, tuple[str, ...] | str] | None
SHELLS = ("sh", "bash", "/bin/sh", "/bin/bash", "/usr/bin/env sh", "ash", "/bin/ash")


@dataclass(frozen=True)
class Instruction:
    line: int
    keyword: str
    args: str


@dataclass(frozen=True)
class ImageCommand:
    name: str  # "CMD", "ENTRYPOINT" or "ENTRYPOINT+CMD"
    command: str
    line: int
    argv: tuple[str, ...] | None  # None: a shell command


def instructions(text: str) -> list[Instruction]:
    """Logical instructions: continuation lines joined, comments and parser directives left out."""
    lines = text.splitlines()
    escape = "\\"
    for raw in lines[:5]:
        directive = re.match(r"^#\s*escape\s*=\s*([\\`])\s*$", raw)
        if directive:
            escape = directive.group(1)
        elif not raw.startswith("#"):
            break
    out: list[Instruction] = []
    parts: list[str] = []
    start = 0
    for number, raw in enumerate(lines, start=1):
        stripped = raw.strip()
        if not parts and (not stripped or stripped.startswith("#")):
            continue
        if parts and stripped.startswith("#"):
            continue  # a comment inside a continuation is dropped by Docker too
        if not parts:
            start = number
        if stripped.endswith(escape):
            parts.append(stripped[:-1])
            continue
        parts.append(stripped)
        logical = " ".join(p.strip() for p in parts if p.strip())
        parts = []
        keyword, _, args = logical.partition(" ")
        out.append(Instruction(start, keyword.upper(), args.strip()))
    if parts:
        logical = " ".join(p.strip() for p in parts if p.strip())
        keyword, _, args = logical.partition(" ")
        out.append(Instruction(start, keyword.upper(), args.strip()))
    return out


def _form(args: str) -> tuple[str, ...] | str:
    """The exec form as a tuple of strings, else the shell form's text."""
    if args.startswith("["):
        try:
            value = json.loads(args)
        except ValueError:
            return args  # Docker runs an invalid JSON array as a shell command
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return tuple(value)
    return args


def unwrap_shell(argv: tuple[str, ...]) -> str | None:
    """`["sh", "-c", "gunicorn -b :$PORT app:app"]` is a shell command after all."""
    if len(argv) == 3 and argv[0] in SHELLS and argv[1] in ("-c", "-ec", "-ce"):
        return argv[2]
    return None


def image_command(text: str) -> ImageCommand | None:
    """The final stage's default process, or None when it sets neither CMD nor ENTRYPOINT."""
    stages: dict[str, tuple[Setting, Setting]] = {}
    alias: str | None = None
    cmd: Setting = None
    entrypoint: Setting = None
    cmd_set_here = False
    for instruction in instructions(text):
        if instruction.keyword == "FROM":
            words = [w for w in instruction.args.split() if not w.startswith("--")]
            # FROM an earlier stage inherits its CMD and ENTRYPOINT; an image from a registry, whatever it has.
            cmd, entrypoint = stages.get(words[0].lower(), (None, None)) if words else (None, None)
            cmd_set_here = False
            alias = words[2].lower() if len(words) >= 3 and words[1].lower() == "as" else None
        elif instruction.keyword == "CMD":
            cmd = (instruction.line, _form(instruction.args))
            cmd_set_here = True
        elif instruction.keyword == "ENTRYPOINT":
            entrypoint = (instruction.line, _form(instruction.args))
            if not cmd_set_here:
                cmd = None  # setting ENTRYPOINT resets a CMD inherited from the base stage
        else:
            continue
        if alias:
            stages[alias] = (cmd, entrypoint)
    return combine(cmd, entrypoint)


def combine(cmd: Setting, entrypoint: Setting) -> ImageCommand | None:
    if entrypoint is None:
        if cmd is None:
            return None
        line, form = cmd
        return _command("CMD", line, form)
    line, entry = entrypoint
    if isinstance(entry, str):
        return _command("ENTRYPOINT", line, entry)  # the shell form ignores CMD
    if cmd is None:
        return _command("ENTRYPOINT", line, entry)
    cmd_line, form = cmd
    rest = form if isinstance(form, tuple) else ("/bin/sh", "-c", form)
    return _command("ENTRYPOINT+CMD", min(line, cmd_line), entry + rest)


def _command(name: str, line: int, form: tuple[str, ...] | str) -> ImageCommand | None:
    if isinstance(form, str):
        return ImageCommand(name, form, line, None) if form.strip() else None
    if not form:
        return None
    script = unwrap_shell(form)
    if script is not None:
        return ImageCommand(name, script, line, None)
    return ImageCommand(name, shlex.join(form), line, form)

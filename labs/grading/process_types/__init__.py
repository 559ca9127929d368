"""The app's process types, read from every common descriptor: one model that every check and the run read.

Real repositories declare what they run in many places: a Procfile (Heroku, Dokku, honcho), app.json, heroku.yml,
render.yaml, .do/app.yaml, fly.toml, a Dockerfile's CMD/ENTRYPOINT, docker-compose services. `read()` reads them
all, in that order of precedence, in three tiers: the Procfile with its app.json, a platform's own file, then
containers. The first tier that declares anything is the app's: workers, schedules and one-off jobs come from its
first descriptor that has each; web and release, one each, from the first descriptor anywhere. When nothing
declares a web process, one is inferred the way Heroku's buildpacks and Railpack/Nixpacks do
(labs.grading.process_types.inference), and marked as such.

A descriptor that cannot be parsed is ignored with a note; a command or a list of process types no real app would
declare is refused (SubmissionRefused), so no check ever works on absurd input.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

from labs.grading.exceptions import SubmissionRefused
from labs.grading.process_types.dockerfile import SHELLS

if TYPE_CHECKING:
    from labs.grading.repo import Repo

Role = Literal["web", "worker", "release", "cron", "job"]
ROLES: tuple[Role, ...] = ("web", "worker", "release", "cron", "job")
# One process per role; the other roles come as a set from one descriptor.
SINGLE_ROLES = frozenset({"web", "release"})
LONG_RUNNING = frozenset({"web", "worker"})

MAX_COMMAND_BYTES = 8 * 1024
MAX_PROCESS_TYPES = 50
QUOTE_CHARS = 300


@dataclass(frozen=True)
class ProcessType:
    """One process type: what runs, and where the repository says so."""

    name: str  # as declared: a Procfile name, a service name, "CMD" for a Dockerfile
    command: str  # the whole command line
    source: str  # the file that declares it (or, inferred, the file the guess rests on most)
    line: int = 0
    role: Role = "worker"
    declared: bool = True
    basis: str = ""  # what an inferred command rests on, or how a declared one was completed (app.json formation)
    argv: tuple[str, ...] | None = None  # exec form (Dockerfile JSON array): run without a shell
    script: str = ""  # the package.json script an `npm start`-style command runs
    via: str = ""  # the descriptor that runs this file's declaration (fly.toml running the Dockerfile's CMD)

    @property
    def cite(self) -> str:
        return f"{self.source}:{self.line}" if self.line else self.source

    @property
    def quote(self) -> str:
        """`web: gunicorn app:app`, with the role when the name does not say it."""
        command = self.command if len(self.command) <= QUOTE_CHARS else self.command[: QUOTE_CHARS - 1] + "…"
        label = self.name if self.name == self.role or self.role == "worker" else f"{self.name} ({self.role})"
        return f"{label}: {command}"

    @property
    def declared_in(self) -> str:
        """The descriptor that declares it: the file itself, or the one that runs that file."""
        return self.via or self.source

    @property
    def evidence(self) -> str:
        """Where and what: `Procfile:1 web: gunicorn app:app`, or how an inferred command was guessed."""
        if not self.declared:
            return f"`{self.quote}` (inferred, not declared: {self.basis})"
        how = [f"run by {self.via}"] if self.via else []
        how += [self.basis] if self.basis else []
        return f"{self.cite} `{self.quote}`" + (f" ({'; '.join(how)})" if how else "")

    @property
    def unexpanded(self) -> tuple[str, ...]:
        """Arguments of an exec form that no shell expands: `$PORT` in them reaches the program as text."""
        if self.argv is None:
            return ()
        shell_script = {i for i in range(2, len(self.argv)) if self.argv[i - 1] == "-c" and self.argv[i - 2] in SHELLS}
        return tuple(arg for i, arg in enumerate(self.argv) if i not in shell_script)

    @property
    def runs(self) -> str:
        """The command and the npm script it starts, for checks that read what really runs."""
        return f"{self.command}\n{self.script}" if self.script else self.command


@dataclass(frozen=True)
class ProcessTypes:
    types: tuple[ProcessType, ...] = ()
    sources: tuple[str, ...] = ()  # the descriptors whose declarations were kept
    # Descriptors or lines that could not be read, at or above the precedence of what was used: worth a warning.
    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # declarations overridden by precedence; unreadable files that did not matter

    def __iter__(self) -> Iterator[ProcessType]:
        return iter(self.types)

    def __len__(self) -> int:
        return len(self.types)

    def __bool__(self) -> bool:
        return bool(self.types)

    def role(self, role: Role) -> list[ProcessType]:
        return [t for t in self.types if t.role == role]

    @property
    def web(self) -> ProcessType | None:
        return next(iter(self.role("web")), None)

    @property
    def release(self) -> ProcessType | None:
        return next(iter(self.role("release")), None)

    @property
    def long_running(self) -> list[ProcessType]:
        """Processes that run until told to stop, web first."""
        return [t for t in self.types if t.role in LONG_RUNNING]

    @property
    def declared(self) -> list[ProcessType]:
        return [t for t in self.types if t.declared]

    @property
    def names(self) -> str:
        return ", ".join(t.name for t in self.types)


def check_caps(rel: str, types: list[ProcessType]) -> None:
    """Refuse a descriptor no real app would write: the learner gets the reason, nothing is graded on it."""
    if len(types) > MAX_PROCESS_TYPES:
        raise SubmissionRefused(
            f"{rel} declares {len(types)} process types; more than {MAX_PROCESS_TYPES} is refused as not a real app"
        )
    for entry in types:
        size = len(entry.command.encode("utf-8", errors="replace"))
        if size > MAX_COMMAND_BYTES:
            raise SubmissionRefused(
                f"{entry.cite}: the {entry.name} command is {size} bytes long; a command over "
                f"{MAX_COMMAND_BYTES // 1024} KiB is refused"
            )


def read(repo: Repo) -> ProcessTypes:
    """The app's process types, by precedence; an inferred web process when none is declared."""
    from labs.grading.process_types import descriptors, inference

    found: list[tuple[str, int, list[ProcessType]]] = []  # (file, tier, what it declares), by precedence
    problems: list[tuple[int, str]] = []  # (precedence, note) of what could not be read
    for rank, descriptor in enumerate(descriptors.DESCRIPTORS):
        rel = next((f for f in descriptor.files if repo.exists(f)), None)
        if rel is None:
            continue
        said: list[str] = []
        try:
            types = descriptor.read(repo, rel, said)
        except descriptors.Malformed as exc:
            problems.append((rank, f"{rel} ignored: {exc}"))
            continue
        problems.extend((rank, note) for note in said)
        check_caps(rel, types)
        found.append((rel, descriptor.tier, types))

    # The first tier that declares anything is the app's: a compose file for local development adds no worker to
    # a Procfile. Web and release, one each, may still come from a later tier (a Procfile worker, a Dockerfile CMD).
    primary = min((tier for _, tier, types in found if any(t.command for t in types)), default=0)
    kept: list[ProcessType] = []
    sources: list[str] = []
    for role in ROLES:
        for rel, tier, types in found:
            if tier != primary and role not in SINGLE_ROLES:
                continue
            chosen = [t for t in types if t.role == role and t.command]
            if not chosen:
                continue
            kept.extend(chosen[:1] if role in SINGLE_ROLES else chosen)
            if rel not in sources:
                sources.append(rel)
            break
    notes = []
    for rel, _, types in found:
        overridden = [t.name for t in types if t.command and t not in kept]
        if overridden and sources:
            notes.append(f"{rel} also declares {', '.join(overridden[:5])} ({sources[0]} takes precedence)")

    if not any(t.role == "web" for t in kept):
        formation = _formation_web(found)
        guess = inference.infer_web(repo)
        if guess is not None and formation is not None:
            basis = f"named in the formation; its command is the buildpack's default, from {guess.basis}"
            guess = replace(guess, source=formation.source, line=formation.line, declared=True, basis=basis)
        if guess is not None:
            kept.insert(0, guess)
    kept.sort(key=lambda t: t.role != "web")  # web first, the rest in the order read
    # A descriptor that could not be read matters when it would have taken precedence over what was used.
    used = min((_rank(rel) for rel in sources), default=len(descriptors.DESCRIPTORS))
    return ProcessTypes(
        types=tuple(kept),
        sources=tuple(sources),
        problems=tuple(note for rank, note in problems if rank <= used),
        notes=tuple(notes + [note for rank, note in problems if rank > used]),
    )


def _rank(rel: str) -> int:
    from labs.grading.process_types.descriptors import DESCRIPTORS

    return next(rank for rank, d in enumerate(DESCRIPTORS) if rel in d.files)


def _formation_web(found: list[tuple[str, int, list[ProcessType]]]) -> ProcessType | None:
    """app.json's formation names process types without commands: the buildpack's default gives web's."""
    for _, _, types in found:
        for entry in types:
            if entry.role == "web" and not entry.command:
                return entry
    return None

"""What the static checks look for in code that is not Python: one entry per language, read line by line.

Python is read through its AST (labs.grading.pysource); Node, Go and Ruby are read with the patterns below, which
name the idiom each check looks for (the PORT read, the SIGTERM handler, the call that drains the server, the
migrations folder). A check asks `find(repo, "reads_port")` and cites the first hit; adding a language is adding an
entry here.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from labs.grading.repo import where

if TYPE_CHECKING:
    from labs.grading.repo import Repo

Idiom = Literal["reads_port", "sigterm", "drains", "env_branch", "credential_literal"]
MAX_FILES_PER_LANGUAGE = 2000


@dataclass(frozen=True)
class Language:
    name: str
    suffixes: tuple[str, ...]
    markers: tuple[str, ...]  # files that make a repository one of this language's apps
    idioms: dict[str, tuple[re.Pattern[str], str]]  # idiom -> (line pattern, how evidence names it)
    migrations: re.Pattern[str]  # paths of migration files
    on_sigterm: str  # what a server of this language does on SIGTERM without a handler
    # The dependency manifest and the files that lock it (Node's package.json is read by labs.grading.manifest).
    manifest: str = ""
    locks: tuple[str, ...] = ()
    toolchain: str = ""  # the command the sandbox would need to build and run it ("" = run by labs.grading.observe)
    names: tuple[str, ...] = field(default=())  # extra file names that hold code (Rakefile)


NODE = Language(
    name="Node",
    on_sigterm="node exits at once, dropping requests",
    suffixes=(".js", ".mjs", ".cjs", ".ts"),
    markers=("package.json",),
    idioms={
        "reads_port": (
            re.compile(
                r"process\.env\.PORT\b|process\.env\[['\"]PORT['\"]\]|\{[^}]*\bPORT\b[^}]*\}\s*=\s*process\.env"
            ),
            "reads process.env.PORT",
        ),
        "sigterm": (re.compile(r"process\.(on|once)\(\s*['\"]SIGTERM['\"]"), "handles SIGTERM"),
        "drains": (re.compile(r"\.close\(|\bhttp-terminator\b|\bstoppable\b|@godaddy/terminus"), "server.close()"),
        "env_branch": (re.compile(r"NODE_ENV\s*[!=]==?\s*['\"](production|development|staging|test)"), "NODE_ENV"),
        # A session secret or API key assigned a quoted literal, directly or as the fallback of process.env.
        "credential_literal": (
            re.compile(
                r"(?i)\b(?P<name>\w*(?:secret|passw(?:or)?d|token|api_?key|private_?key|access_?key)\w*)['\"]?\s*"
                r"[:=]\s*(?:process\.env(?:\.\w+|\[['\"]\w+['\"]\])\s*(?:\|\||\?\?)\s*)?"
                r"['\"`](?P<value>[^'\"`\n]{4,})['\"`]"
            ),
            "a credential literal",
        ),
    },
    # knex and sequelize keep migrations in migrations/, Prisma in prisma/migrations/<name>/migration.sql.
    migrations=re.compile(
        r"(^|/)(migrations|db/migrate)/[^/]+\.([cm]?js|ts)$|(^|/)prisma/migrations/[^/]+/migration\.sql$"
    ),
)
GO = Language(
    name="Go",
    on_sigterm="a Go program exits at once on SIGTERM, dropping requests",
    suffixes=(".go",),
    markers=("go.mod",),
    idioms={
        "reads_port": (
            re.compile(r"os\.(Getenv|LookupEnv)\(\s*\"PORT\"\s*\)|`[^`]*\benv(config)?:\"PORT\""),
            'reads os.Getenv("PORT")',
        ),
        "sigterm": (re.compile(r"signal\.Notify(Context)?\(.*\bSIGTERM\b"), "signal.Notify with SIGTERM"),
        "drains": (re.compile(r"\.Shutdown\(\s*\w"), "http.Server.Shutdown"),
        "env_branch": (
            re.compile(
                r"os\.Getenv\(\s*\"\w*(ENV|ENVIRONMENT|STAGE)\"\s*\)\s*[!=]=\s*\"(production|prod|development|dev|staging)\""
            ),
            "the environment's name",
        ),
    },
    # golang-migrate and goose: migrations/0001_x.up.sql, db/migrations/...
    migrations=re.compile(r"(^|/)(migrations|db/migrations?)/[^/]+\.(sql|go)$"),
    manifest="go.mod",
    locks=("go.sum",),
    toolchain="go",
)
RUBY = Language(
    name="Ruby",
    on_sigterm="the server is not known to drain on SIGTERM",
    suffixes=(".rb", ".ru", ".rake"),
    markers=("Gemfile",),
    names=("Rakefile",),
    idioms={
        "reads_port": (
            re.compile(r"ENV\.fetch\(\s*['\"]PORT['\"]|ENV\[\s*['\"]PORT['\"]\s*\]"),
            'reads ENV.fetch("PORT")',
        ),
        "sigterm": (re.compile(r"\btrap\(\s*['\"](SIG)?TERM['\"]|Signal\.trap\(\s*['\"](SIG)?TERM['\"]"), "traps TERM"),
        "drains": (re.compile(r"\.(shutdown|stop|graceful_stop)\b"), "a graceful stop"),
        "env_branch": (
            re.compile(
                r"Rails\.env\.(production|development|staging)\?|ENV\[\s*['\"](RACK|RAILS|APP)_ENV['\"]\s*\]\s*==\s*['\"]"
            ),
            "the environment's name",
        ),
    },
    migrations=re.compile(r"(^|/)db/migrate/[^/]+\.rb$"),
    manifest="Gemfile",
    locks=("Gemfile.lock",),
    toolchain="ruby",
)
LANGUAGES: tuple[Language, ...] = (NODE, GO, RUBY)
# Ruby servers that stop at once on SIGTERM (unicorn and thin drain on QUIT only); puma drains on SIGTERM.
RUBY_ABRUPT_SERVERS = re.compile(r"\b(unicorn|thin|webrick)\b")


def ruby_server(repo: Repo, command: str) -> tuple[bool, str] | None:
    """(drains on SIGTERM, which server) for a Ruby web command; `rails server` and rackup run the Gemfile's puma."""
    abrupt = RUBY_ABRUPT_SERVERS.search(command)
    if abrupt:
        return False, abrupt.group(1)
    if re.search(r"\bpuma\b", command):
        return True, "puma"
    if re.search(r"\b(rails\s+s(erver)?|rackup)\b", command) and re.search(
        r"^\s*gem\s+['\"]puma['\"]", repo.text("Gemfile") or "", re.M
    ):
        return True, "puma (the Gemfile's server)"
    return None


@dataclass(frozen=True)
class Hit:
    language: Language
    file: str
    line: int
    text: str

    @property
    def cite(self) -> str:
        return where(self.file, self.line)

    def evidence(self, idiom: Idiom) -> str:
        return f"{self.cite} {self.language.idioms[idiom][1]}"


# Code the repository ships but did not write: minified bundles and vendored or installed packages.
NOT_OWN_CODE_RE = re.compile(r"\.min\.[cm]?js$|(^|/)(vendor|node_modules|bower_components)/")


def code_files(repo: Repo, language: Language) -> list[str]:
    """The language's application files (tests and vendored code left out), capped."""
    files = [
        f
        for f in repo.files
        if (f.endswith(language.suffixes) or f.rsplit("/", 1)[-1] in language.names)
        and not repo.is_test(f)
        and not NOT_OWN_CODE_RE.search(f)
    ]
    return files[:MAX_FILES_PER_LANGUAGE]


def present(repo: Repo) -> list[Language]:
    """The languages whose code or markers the repository has."""
    return [lang for lang in LANGUAGES if any(repo.exists(m) for m in lang.markers) or code_files(repo, lang)]


def find(repo: Repo, idiom: Idiom, languages: tuple[Language, ...] = LANGUAGES) -> list[Hit]:
    hits = []
    for language in languages:
        entry = language.idioms.get(idiom)
        if entry is None:
            continue
        for rel, number, text in repo.grep(entry[0].pattern, code_files(repo, language)):
            hits.append(Hit(language, rel, number, text))
    return hits


def lock(repo: Repo, language: Language) -> tuple[bool, str] | None:
    """(locked, evidence) for a language with a manifest of its own, None when the repository has none."""
    if not language.manifest or not repo.exists(language.manifest):
        return None
    found = next((f for f in language.locks if repo.exists(f)), None)
    if found:
        return True, f"locked by {found}"
    if language is GO and not re.search(r"^\s*require\b", repo.text("go.mod") or "", re.M):
        return True, "go.mod requires no modules"
    return False, f"{language.manifest} without {' or '.join(language.locks)}"


def migrations(repo: Repo) -> list[str]:
    return [f for lang in LANGUAGES for f in repo.files if lang.migrations.search(f) and not repo.is_test(f)]


def unsupported_runtime(repo: Repo) -> str | None:
    """Why the sandbox cannot build and run this app (a Go or Ruby service), or None when it can try.

    The dynamic checks then skip with this reason: what is missing is the grader's, not the learner's."""
    strong_python = ("requirements.txt", "pyproject.toml", "setup.py", "Pipfile", "manage.py")
    if any(repo.exists(m) for m in strong_python):
        return None
    for language in (GO, RUBY):
        if not any(repo.exists(m) for m in language.markers):
            continue
        missing = []
        if shutil.which(language.toolchain) is None:
            missing.append(f"no {language.name} toolchain (`{language.toolchain}`) in the sandbox")
        if language is GO and repo.exists("go.sum") and not repo.exists("vendor/modules.txt"):
            missing.append("its modules are not vendored and the sandbox is offline")
        if language is RUBY and repo.exists("Gemfile.lock") and not repo.glob(r"^vendor/(bundle|cache)/"):
            missing.append("its gems are not vendored and the sandbox is offline")
        if not missing:
            missing.append(f"the grader does not run {language.name} services yet")
        return f"a {language.name} service, graded by its static checks only: " + "; ".join(missing)
    return None

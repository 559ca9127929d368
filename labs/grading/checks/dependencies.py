"""Factor II, Dependencies: explicitly declare and isolate dependencies."""

from __future__ import annotations

from labs.grading import languages
from labs.grading.checks import DynamicContext, StaticContext, check
from labs.grading.manifest import (
    development_packages,
    imported_at_module_level,
    node_declared,
    node_manifest,
    node_package_imports,
    normalized,
    python_manifest,
    table,
    third_party_imports,
)
from labs.grading.repo import Repo, where
from labs.grading.report import Build
from labs.grading.verdict import Verdict, failed, passed, skipped, warned


@check(
    "dependencies.manifest",
    factor=2,
    kind="static",
    title="Dependencies are declared in a manifest",
    advice="Declare every package the app imports in requirements.txt (or pyproject.toml; package.json, go.mod, "
    "Gemfile for Node, Go and Ruby).",
    anchor="declare-then-isolate",
)
def manifest(ctx: StaticContext) -> Verdict:
    repo = ctx.repo
    found = []
    if repo.is_python:
        declared = python_manifest(repo)
        if declared.file:
            found.append(f"{declared.file} declares {len(declared.requirements)} package(s)")
        else:
            imports = third_party_imports(repo)
            if imports:
                name, (rel, line) = next(iter(sorted(imports.items())))
                return failed(f"no requirements.txt or pyproject.toml, but {where(rel, line)} imports {name}")
            found.append("no manifest, and no third-party imports")
    if repo.is_node:
        package, _ = node_manifest(repo)
        deps = len(table(package, "dependencies"))
        found.append(f"package.json declares {deps} dependenc{'y' if deps == 1 else 'ies'}")
    found += [f"{lang.manifest} declares the {lang.name} dependencies" for lang in _own_manifests(repo)]
    if not found:
        return skipped("no Python, Node, Go or Ruby app")
    return passed("; ".join(found))


def _own_manifests(repo: Repo) -> list[languages.Language]:
    return [lang for lang in languages.LANGUAGES if lang.manifest and repo.exists(lang.manifest)]


@check(
    "dependencies.pinned",
    factor=2,
    kind="static",
    title="Dependency versions are pinned or locked",
    advice="Commit a lock file (requirements.lock from pip-compile/uv, package-lock.json) or pin every "
    "package with ==, so every build installs the same versions.",
    anchor="manifests-and-lock-files-by-language",
)
def pinned(ctx: StaticContext) -> Verdict:
    repo = ctx.repo
    notes: list[str] = []
    worst = "pass"
    if repo.is_python:
        declared = python_manifest(repo)
        if declared.lock:
            notes.append(f"locked by {declared.lock}")
        elif declared.file:
            loose = [r for r in declared.requirements if not r.pinned]
            if loose:
                worst = "warn"
                shown = ", ".join(f"{where(r.file, r.line)} {r.name}" for r in loose[:5])
                notes.append(f"no lock file and {len(loose)} unpinned: {shown}")
            else:
                notes.append(f"all {len(declared.requirements)} requirement(s) in {declared.file} pinned with ==")
    if repo.is_node:
        package, lock = node_manifest(repo)
        if lock:
            notes.append(f"locked by {lock}")
        elif not node_declared(package or {}):
            notes.append("package.json declares no packages, so there is nothing to lock")
        else:
            worst = "warn"
            notes.append("package.json without package-lock.json, yarn.lock or pnpm-lock.yaml")
    for language in _own_manifests(repo):
        own = languages.lock(repo, language)
        if own is None:  # not reached: the manifest exists
            continue
        locked, note = own
        worst = worst if locked else "warn"
        notes.append(note)
    if not notes:
        return skipped("no dependency manifest to check")
    return warned("; ".join(notes)) if worst == "warn" else passed("; ".join(notes))


@check(
    "dependencies.isolated-install",
    factor=2,
    kind="dynamic",
    title="The declared dependencies install into a fresh environment",
    advice="Everything the app needs must install from the manifest alone into an empty virtualenv, "
    "with no system packages and no network during the run.",
    anchor="why-isolation-matters",
)
def isolated_install(ctx: DynamicContext) -> Verdict:
    build = ctx.run.build
    if build is not None and build.refused:
        return failed(build.refused)
    blocked = ctx.run.blocked("build")
    if blocked:
        return blocked
    if build is None or build.step is None:
        return skipped("nothing was built")
    if not ctx.repo.is_python and build.step.command.startswith("npm"):
        return passed(
            f"the declared packages installed from the {build.source} into a fresh node_modules in "
            f"{build.step.duration:.2f} s ({build.step.command})"
        )
    if not ctx.repo.is_python:
        return passed(
            f"package.json declares no packages; the app ran from the repository alone ({build.step.command})"
        )
    python = build.python
    on = f" on Python {python.shown}" if python else ""
    if not build.step.command.startswith("uv pip install"):
        done = f"{build.step.command}; fresh venv created{on} in {build.step.duration:.2f} s"
    else:
        count = len(build.manifest.requirements) or "the"
        done = (
            f"{count} declared package(s) installed from the {build.source} into a fresh venv{on} in "
            f"{build.step.duration:.2f} s ({build.step.command})"
        )
    if python and not python.matches:
        asked = f"{python.source} asks for Python {python.asked}"
        return warned(f"{asked}; the grader built on Python {python.shown}: {done}")
    return passed(done)


@check(
    "dependencies.no-undeclared-imports",
    factor=2,
    kind="dynamic",
    title="Every imported package was declared",
    advice="Add the missing packages to your manifest: the app only gets what it declares.",
    anchor="declare-then-isolate",
)
def no_undeclared_imports(ctx: DynamicContext) -> Verdict:
    blocked = ctx.run.blocked("build")
    if blocked:
        return blocked
    build = ctx.run.build
    if build is None or build.step is None:
        return skipped("nothing was built")
    if not ctx.repo.is_python:
        return _node_undeclared(ctx)
    missing = dict(build.missing_imports)
    # A development tool's import inside a function (a `test` command's `import pytest`), declared for development:
    # the production install rightly leaves it out, and loading the app never runs it.
    development = development_packages(ctx.repo) if missing else {}
    loaded = imported_at_module_level(ctx.repo) if missing else set()
    for_development = {
        name: f"{name} ({where(rel, line)}, inside a function; {development[normalized(name)]})"
        for name, (rel, line) in missing.items()
        if normalized(name) in development and name not in loaded
    }
    for name in for_development:
        del missing[name]
    listed = ", ".join(sorted(for_development.values()))
    besides = f"; declared for development only: {listed}" if for_development else ""
    if missing:
        shown = "; ".join(f"{where(rel, line)} imports {name}" for name, (rel, line) in sorted(missing.items()))
        return failed(f"not installed from the declared dependencies: {shown}{_stopped_the_web(ctx, build)}{besides}")
    resolved = build.probed_imports - len(for_development)
    return passed(f"all {resolved} third-party module(s) the code imports resolve in the fresh venv{besides}")


def _stopped_the_web(ctx: DynamicContext, build: Build) -> str:
    """How the web process stopped, when its own output names a missing import (else it stopped for another reason,
    which the checks it blocked say)."""
    web = ctx.run.web_instances[0] if ctx.run.web_instances else None
    if web is None or web.answered or not web.failure:
        return ""
    if not any(f"No module named '{name}" in web.output_tail for name in build.missing_imports):
        return ""
    return f"; the web process {web.failure}: {web.output_tail}"


def _node_undeclared(ctx: DynamicContext) -> Verdict:
    """A package the code requires that package.json does not declare: npm may have installed it as another
    package's dependency, so it resolves today and vanishes when that package drops it."""
    if not ctx.repo.is_node:
        return skipped("imports are resolved for Python and Node apps only")
    package, _ = node_manifest(ctx.repo)
    declared = node_declared(package or {})
    required = node_package_imports(ctx.repo)
    undeclared = {name: place for name, place in required.items() if name not in declared}
    if undeclared:
        shown = "; ".join(f"{where(rel, line)} requires {name}" for name, (rel, line) in sorted(undeclared.items()))
        return failed(f"not declared in package.json: {shown}")
    return passed(f"all {len(required)} package(s) the code requires are declared in package.json")

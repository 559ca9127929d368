"""Factor V, Build, release, run: strictly separate the stages."""

from __future__ import annotations

import re

from labs.grading import languages
from labs.grading.checks import DynamicContext, StaticContext, check
from labs.grading.verdict import Verdict, failed, passed, skipped, warned

BUILD_STEP_RE = re.compile(
    r"\b(pip3?\s+install|uv\s+(pip|sync)|poetry\s+install|pipenv\s+install|npm\s+(install|ci|run\s+build)|"
    r"yarn(\s+install|\s+build)?\b(?!\s+start)|pnpm\s+(install|build)|make\b|webpack|tsc\b|"
    r"collectstatic|compilemessages|compress\b|migrate\b|alembic\s+upgrade|db\s+upgrade|"
    r"setup\.py|go\s+(build|run)|cargo\s+build|bundle\s+install|assets:precompile)"
)
ARTIFACT_OK_RE = re.compile(
    r"(^|/)__pycache__/|\.py[co]$|\.log(\.\d+)?$|\.(db|sqlite3?)(-journal|-wal|-shm)?$|^\.grader/"
)


def migrations(ctx: StaticContext) -> list[str]:
    repo = ctx.repo
    found = [
        f
        for f in repo.files
        if re.search(r"(^|/)migrations/(?!__init__\.py$)[^/]+\.(py|sql)$", f) and not repo.is_test(f)
    ]
    found += [f for f in repo.files if re.search(r"(^|/)(alembic\.ini|alembic/versions/[^/]+\.py)$", f)]
    found += [f for f in languages.migrations(repo) if f not in found]  # Rails, knex, sequelize, Prisma, goose
    return found


@check(
    "build-release-run.no-build-in-run",
    factor=5,
    kind="static",
    title="The web process runs; it does not build",
    advice="Move installs, asset builds and migrations out of `web:`: install in the build, migrate in "
    "`release:`, and let `web:` only start the server.",
    anchor="the-three-stages",
)
def no_build_in_run(ctx: StaticContext) -> Verdict:
    types = ctx.repo.process_types
    web = types.web
    if web is None:
        if ctx.repo.is_node:
            return skipped("no web process declared, and no start script or server.js to infer one from")
        return failed("no web process declared or inferred, so the run stage is not declared")
    hits = []
    for entry in types:
        if entry.role in ("release", "job"):
            continue
        match = BUILD_STEP_RE.search(entry.runs)
        if match:
            hits.append(f"{entry.cite} {entry.name}: runs `{match.group(0)}`")
    if hits:
        return failed("build or release steps at run time: " + "; ".join(hits))
    return passed(f"{web.evidence} only starts the server")


@check(
    "build-release-run.release-phase",
    factor=5,
    kind="static",
    title="Migrations run in a release phase",
    advice="Add `release: python manage.py migrate --noinput` (or your migration command) to the Procfile, or "
    "your platform's pre-deploy command, so every release migrates once before the new code serves.",
    anchor="put-release-tasks-in-the-release",
)
def release_phase(ctx: StaticContext) -> Verdict:
    found = migrations(ctx)
    types = ctx.repo.process_types
    release = types.release
    if not found:
        if release:
            return passed(release.evidence)
        return skipped("no migrations in the repository, so no release phase is needed")
    if release is None:
        once = next((job for job in types.role("job") if re.search(r"migrat", job.runs)), None)
        if once is not None:
            return warned(
                f"{once.evidence} migrates once, after the first deploy only; {len(found)} migration file(s) "
                "need a release command that runs on every deploy"
            )
        return failed(
            f"{len(found)} migration file(s) (e.g. {found[0]}) but no release command "
            "(a Procfile `release:`, or the platform's pre-deploy command)"
        )
    return passed(f"{release.evidence} ({len(found)} migration file(s))")


@check(
    "build-release-run.run-writes-no-build-artifacts",
    factor=5,
    kind="dynamic",
    title="Starting the app builds nothing",
    advice="Produce assets, compiled files and installed packages in the build stage; the run stage "
    "starts from the finished release and changes no code.",
    anchor="build-once-promote-the-same-artifact",
)
def run_writes_no_build_artifacts(ctx: DynamicContext) -> Verdict:
    build = ctx.run.build
    note = ""
    if build and build.command and not build.command.ok:
        step = build.command
        status = "timed out" if step.timed_out else f"exited {step.exit_code}"
        failure = f"the build command `{step.command[:200]}` ({build.command_source}) {status}: {step.output_tail}"
        if build.command_declared:
            return failed(failure)
        # A platform default we chose to run (Heroku's collectstatic): the repository never asked for it, and its
        # own platform may build differently (Render's build.sh, Railpack), so it is reported, not scored.
        note = (
            f"; not counted, since the repository does not declare it: the build command `{step.command[:80]}` "
            f"({build.command_source}) {status}: …{step.output_tail[-200:]}"
        )
    blocked = ctx.run.blocked("web")
    if blocked:
        return blocked
    before = ctx.run.files_before_web
    after = ctx.run.files_after
    if before is None or after is None:
        return skipped("the workspace could not be listed")
    created = sorted(p for p in after if p not in before and not ARTIFACT_OK_RE.search(p))
    changed = sorted(p for p in after if p in before and after[p] != before[p] and not ARTIFACT_OK_RE.search(p))
    if created or changed:
        shown = ", ".join(created[:4] + [f"{p} (changed)" for p in changed[:2]])
        count = len(created) + len(changed)
        return failed(f"the run stage wrote {count} file(s) into the code: {shown}{note}")
    return passed(f"the web and other processes ran without writing into the code ({len(after)} files listed){note}")

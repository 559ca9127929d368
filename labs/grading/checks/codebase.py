"""Factor I, Codebase: one codebase in revision control, many deploys of it."""

from __future__ import annotations

import ast
import re
from collections import defaultdict

from labs.grading import pysource
from labs.grading.checks import DynamicContext, StaticContext, check
from labs.grading.repo import where
from labs.grading.verdict import Verdict, failed, passed

ENV_TOKEN = re.compile(r"(?:^|[_.-])(prod|production|staging|stage|dev|develop|development|qa|uat|local)(?=$|[_.-])")
CODE_SUFFIXES = (".py", ".js", ".mjs", ".cjs", ".ts")


def _environment_variants(files: list[str]) -> dict[str, set[str]]:
    """Group code paths that differ only by an environment name: settings_dev.py / settings_prod.py."""
    groups: dict[str, set[str]] = defaultdict(set)
    for rel in files:
        parts = rel.split("/")
        for index, part in enumerate(parts):
            stem = part.rsplit(".", 1)[0] if index == len(parts) - 1 else part
            if ENV_TOKEN.search(stem.lower()):
                base = ENV_TOKEN.sub("", stem.lower()) or "<env>"
                key = "/".join([*parts[:index], base, *parts[index + 1 :]])
                if index == len(parts) - 1:
                    groups[key].add(rel)
                else:
                    groups[key].add("/".join(parts[: index + 1]) + "/")
                break
    return {k: v for k, v in groups.items() if len(v) >= 2}


@check(
    "codebase.no-environment-copies",
    factor=1,
    kind="static",
    title="One codebase, not a copy per environment",
    advice="Keep one copy of the code and let each deploy differ only by its environment variables; "
    "merge settings_dev.py / settings_prod.py into one settings file that reads the environment.",
    anchor="environments-are-config-not-code",
)
def no_environment_copies(ctx: StaticContext) -> Verdict:
    code = [f for f in ctx.repo.files if f.endswith(CODE_SUFFIXES) and not ctx.repo.is_test(f)]
    groups = _environment_variants(code)
    if groups:
        shown = [" vs ".join(sorted(v)) for v in groups.values()]
        return failed("per-environment copies of code: " + "; ".join(shown[:3]))
    hits = []
    for rel, tree in ctx.repo.python_trees():
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and re.fullmatch(
                    r"[\w.]*settings[._](dev|development|prod|production|staging|local|test)\w*", node.value
                )
            ):
                hits.append(where(rel, node.lineno) + f" ({node.value})")
    if hits:
        return failed("a settings module per environment: " + "; ".join(hits[:4]))
    return passed(f"{len(code)} code files, no per-environment copies")


@check(
    "codebase.self-contained",
    factor=1,
    kind="static",
    title="Everything the app needs is in this one repository",
    advice="Depend on shared code as a versioned package declared in your manifest, not on paths "
    "outside the repository or git submodules.",
    anchor="sharing-code-the-right-way",
)
def self_contained(ctx: StaticContext) -> Verdict:
    repo = ctx.repo
    hits = []
    if repo.exists(".gitmodules"):
        hits.append(".gitmodules (git submodules are not part of this codebase)")
    manifests = [f for f in repo.files if re.search(r"(^|/)requirements[^/]*\.(txt|in|lock)$", f)]
    for rel, number, line in repo.grep(r"(^|\s|=|@\s*file:)(\.\./|/home/|/Users/|file:///)", manifests):
        hits.append(f"{where(rel, number)} ({line[:60]})")
    for rel, number, line in repo.grep(r'"file:\.\./|"link:\.\./', ["package.json"] if repo.is_node else []):
        hits.append(f"{where(rel, number)} ({line[:60]})")
    for rel, tree in repo.python_trees():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and pysource.dotted(node.func) in ("sys.path.append", "sys.path.insert"):
                for arg in node.args:
                    for sub in ast.walk(arg):
                        if (
                            isinstance(sub, ast.Constant)
                            and isinstance(sub.value, str)
                            and (sub.value.startswith(("/", "..")) or "../" in sub.value)
                        ):
                            hits.append(f"{where(rel, node.lineno)} (sys.path gets {sub.value!r})")
    if hits:
        return failed("code from outside the repository: " + "; ".join(hits[:5]))
    if repo.samples:
        # Said out loud, so a reader of the scorecard sees what the static checks did not read.
        return passed(
            "no paths outside the repository, no submodules; not deployed, so not read: " + ", ".join(repo.samples)
        )
    return passed("no paths outside the repository, no submodules")


@check(
    "codebase.one-build-many-deploys",
    factor=1,
    kind="dynamic",
    title="One build runs as several deploys",
    advice="The same build must run as any number of deploys that differ only in their environment.",
    anchor="codebase-versus-deploy",
)
def one_build_many_deploys(ctx: DynamicContext) -> Verdict:
    blocked = ctx.run.blocked("web")
    if blocked:
        return blocked
    a, b = ctx.run.web_instances
    if not b.answered:
        return failed(f"deploy A answered on PORT={a.port}; deploy B of the same build did not ({b.failure})")
    return passed(
        f"one build, two deploys: A on PORT={a.port} answered {a.first_status}, "
        f"B on PORT={b.port} answered {b.first_status}"
    )

"""Factor III, Config: configuration lives in the environment, never in the code."""

from __future__ import annotations

import ast
import logging
import re
from pathlib import PurePosixPath
from typing import TypeGuard

from labs.grading import languages, pysource
from labs.grading.checks import DynamicContext, StaticContext, check
from labs.grading.repo import where
from labs.grading.verdict import Verdict, failed, passed, warned

log = logging.getLogger(__name__)

ENV_FILE_RE = re.compile(r"^\.env(\..+)?$|^.+\.env$")
ENV_FILE_OK = re.compile(r"\.(example|sample|template|dist|defaults?)$|^\.env\.(example|sample|template)")
KEY_FILE_RE = re.compile(
    r"(^id_(rsa|dsa|ecdsa|ed25519)$)|\.(pem|key|p12|pfx|jks|keystore)$|^(credentials|service-account)\.json$"
    r"|^\.(pypirc|netrc|htpasswd)$"
)
SECRET_NAME_RE = re.compile(
    r"(^|_)(SECRET(_KEY)?|PASSWORD|PASSWD|PWD|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY(_ID)?|"
    r"CLIENT_SECRET|AUTH_TOKEN|CREDENTIALS?)$"
)
ENV_NAMES = frozenset(
    {"production", "prod", "staging", "stage", "development", "dev", "test", "testing", "local", "qa"}
)
ENV_VAR_RE = re.compile(r"(^|_)(ENV|ENVIRONMENT|STAGE|APP_ENV|FLASK_ENV|DJANGO_ENV|NODE_ENV|DEPLOY_ENV)$")
SCAN_SKIP_RE = re.compile(
    r"(\.lock|-lock\.json|\.min\.js|\.map|\.svg|\.ipynb|\.secrets\.baseline)$|(^|/)(yarn\.lock|go\.sum)$"
)
SCAN_MAX_FILES = 3000
SCAN_MAX_BYTES = 256 * 1024


PLACEHOLDER_RE = re.compile(
    r"^(password|passwd|pass|pwd|secret|changeme|change-me|change_me|example|placeholder|your[-_]?password|"
    r"mypassword|xxx+|\*+|\.+|<[^>]*>|\$\{?[A-Za-z_][A-Za-z0-9_]*\}?|%\([a-z_]+\)s|\{[a-z_]*\})$",
    re.I,
)
BASELINE = ".secrets.baseline"
# Digests and ids that look random but are published on purpose: Subresource-Integrity hashes, pip's --hash pins,
# lock-file integrity fields, migration revision ids (Alembic's revision/down_revision, Django's squashed ids).
NOT_A_SECRET_LINE = re.compile(
    r"""integrity\s*[=:]\s*["']?sha(256|384|512)-|--hash[=\s]sha\d+:|^\s*(down_)?revision\s*[:=]"""
    r"""|^\s*(Revision ID|Revises)\s*:|["']?(integrity|resolved|checksum|hash)["']?\s*[:=]""",
    re.I,
)
HIGH_ENTROPY_TYPES = frozenset({"Hex High Entropy String", "Base64 High Entropy String"})
# Findings that are guesses from a name or from randomness, as opposed to a recognised key format (an AWS key, a
# private key, a GitHub token...). In test code they are fixtures: `User(password=...)`, an expected digest.
GUESSED_TYPES = HIGH_ENTROPY_TYPES | {"Secret Keyword", "Basic Auth Credentials"}
# Documentation shows commands with example values (a README exporting a made-up secret key), and a local
# development VM's provisioning sets its well-known defaults (Vagrant's 'vagrant'): a guess from a name there is an
# example, not a leak. A recognised key format still counts in them.
EXAMPLE_FILES_RE = re.compile(r"(^|/)(docs?)/|(^|/)README[^/]*$|\.(md|rst|adoc)$|(^|/)Vagrantfile$", re.I)
TEST_CODE_RE = re.compile(
    r"(^|/)(tests?|spec|specs|__tests__|testing)/|(^|/)(test_[^/]+|[^/]+_test|conftest)\.py$"
    r"|\.(test|spec)\.[cm]?[jt]sx?$|_test\.go$|_spec\.rb$"
)


def _audited_false_positives(ctx: StaticContext) -> set[tuple[str, str]]:
    """(file, hashed secret) pairs that the repository's .secrets.baseline marks as audited false positives."""
    import json

    try:
        data = json.loads(ctx.repo.text(BASELINE) or "{}")
        results = data.get("results") or {}
        return {
            (filename, entry["hashed_secret"])
            for filename, entries in results.items()
            for entry in entries
            if isinstance(entry, dict) and entry.get("is_secret") is False and "hashed_secret" in entry
        }
    except (ValueError, AttributeError, TypeError):
        return set()


def _detect_secrets(ctx: StaticContext) -> tuple[str, list[str], int] | None:
    """(version, findings, ignored) from detect-secrets over the text files, or None if it is not installed.

    Inline `pragma: allowlist secret` comments are honoured by detect-secrets itself; findings that a
    .secrets.baseline marks as audited false positives (is_secret: false), obvious placeholders
    (user:password@host), published digests (SRI hashes, --hash pins, migration revision ids) and, in test code,
    documentation and a Vagrantfile, findings guessed from a name or from entropy (fixtures such as a test user's
    password, an example value in a README) are ignored and counted.
    A recognised key format (AWS, private keys, tokens) counts wherever it is.
    """
    try:
        from detect_secrets.__version__ import VERSION
        from detect_secrets.core.secrets_collection import SecretsCollection
        from detect_secrets.settings import default_settings
    except ImportError:
        return None
    repo = ctx.repo
    audited = _audited_false_positives(ctx)
    findings: list[str] = []
    ignored = 0
    scanned = 0
    with default_settings():
        collection = SecretsCollection(root=str(repo.root))
        for rel in repo.files:
            if scanned >= SCAN_MAX_FILES or SCAN_SKIP_RE.search(rel):
                continue
            text = repo.text(rel)
            if text is None or len(text) > SCAN_MAX_BYTES:
                continue
            scanned += 1
            try:
                collection.scan_file(rel)
            except Exception:  # a scanner plugin choking on one file must not sink the check
                log.warning("detect-secrets failed on %s", rel, exc_info=True)
        for filename, secret in collection:
            value = secret.secret_value or ""
            line = (repo.lines(filename)[secret.line_number - 1 : secret.line_number] or [""])[0]
            digest = secret.type in HIGH_ENTROPY_TYPES and NOT_A_SECRET_LINE.search(line)
            local = secret.type == "Basic Auth Credentials" and _local_credential_urls(line)
            fixture = secret.type in GUESSED_TYPES and (
                TEST_CODE_RE.search(filename) or EXAMPLE_FILES_RE.search(filename)
            )
            if (
                (filename, secret.secret_hash) in audited
                or PLACEHOLDER_RE.match(value.strip())
                or digest
                or local
                or fixture
            ):
                ignored += 1
                continue
            findings.append(f"{where(filename, secret.line_number)} ({secret.type})")
    return VERSION, sorted(findings), ignored


CREDENTIAL_URL_RE = re.compile(r"[a-z][a-z0-9+.-]*://[^/\s:@'\"]+:[^/\s@'\"]+@[^\s'\"]+", re.I)


def _local_credential_urls(line: str) -> bool:
    """Every URL with a password on the line points at this machine (postgres:postgres@localhost): the default of
    a local development database, which opens nothing a deploy has, not a leaked credential."""
    from urllib.parse import urlsplit

    from labs.grading.checks.backing_services import LOCAL_HOSTS

    urls = CREDENTIAL_URL_RE.findall(line)
    try:
        return bool(urls) and all((urlsplit(url).hostname or "").lower() in LOCAL_HOSTS for url in urls)
    except ValueError:
        return False


@check(
    "config.no-committed-secrets",
    factor=3,
    kind="static",
    title="No secrets or .env files committed",
    advice="Remove committed .env files, keys and secrets, rotate them, and read them from the "
    "environment; commit a .env.example with placeholder values instead.",
    anchor="how-credentials-leak",
    gate=True,
)
def no_committed_secrets(ctx: StaticContext) -> Verdict:
    repo = ctx.repo
    env_files = [
        rel for rel in repo.files if ENV_FILE_RE.search(PurePosixPath(rel).name) and not ENV_FILE_OK.search(rel)
    ]
    key_files = [rel for rel in repo.files if KEY_FILE_RE.search(PurePosixPath(rel).name)]
    scan = _detect_secrets(ctx)
    if scan is None:
        scanner = "detect-secrets not installed: only file names checked"
        findings: list[str] = []
    else:
        version, findings, ignored = scan
        scanner = f"detect-secrets {version}"
        if ignored:
            scanner += f" ({ignored} audited false positive(s), placeholder(s) or digest(s) ignored)"
    secret_env_files: list[tuple[str, list[str]]] = []
    config_env_files: list[tuple[str, list[str]]] = []
    for rel in env_files:
        names = _secret_env_names(repo.lines(rel))
        found = any(f.startswith(f"{rel}:") for f in findings)
        (secret_env_files if names or found or scan is None else config_env_files).append((rel, names))
    problems = (
        [f"{rel} (committed secret file)" for rel in key_files]
        + [f"{rel} (committed .env with secrets: {', '.join(names) or 'see below'})" for rel, names in secret_env_files]
        + findings
    )
    if problems:
        return failed(f"{scanner}: " + "; ".join(problems[:8]) + ("; …" if len(problems) > 8 else ""))
    if config_env_files:
        listed = ", ".join(
            f"{rel} ({', '.join(_env_names(repo.lines(rel))[:4]) or 'empty'})" for rel, _ in config_env_files
        )
        return warned(
            f"{scanner}: no secrets, but config is committed in {listed}: each deploy's values belong in its "
            "environment (commit a .env.example instead)"
        )
    if scan is None:
        return warned(scanner)
    return passed(f"{scanner}: no secrets found in {len(repo.files)} files")


ENV_LINE_RE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")


def _env_names(lines: list[str]) -> list[str]:
    return [m.group(1) for m in map(ENV_LINE_RE.match, lines) if m]


def _secret_env_names(lines: list[str]) -> list[str]:
    """Names in a .env file that hold a secret: a secret-sounding name with a real value, or a URL with a password."""
    names = []
    for match in map(ENV_LINE_RE.match, lines):
        if not match:
            continue
        name, value = match.group(1), match.group(2).strip("'\"")
        credential_url = re.search(r"://[^/\s:@]+:[^/\s@]+@", value)
        if (SECRET_NAME_RE.search(name.upper()) and value and not PLACEHOLDER_RE.match(value)) or credential_url:
            names.append(name)
    return names


def _secret_assignments(rel: str, tree: ast.Module) -> list[str]:
    hits: list[str] = []
    spans = pysource.env_read_spans(tree)

    def literal(value: ast.expr | None) -> TypeGuard[ast.Constant]:
        return (
            isinstance(value, ast.Constant)
            and isinstance(value.value, str | bytes)
            and len(value.value.strip()) >= 4
            and "\n" not in str(value.value)
            and not pysource.inside(value, spans)
        )

    for node in ast.walk(tree):
        targets: list[tuple[str, ast.expr | None]] = []
        if isinstance(node, ast.Assign | ast.AnnAssign):
            value = node.value
            for target in node.targets if isinstance(node, ast.Assign) else [node.target]:
                if isinstance(target, ast.Name):
                    targets.append((target.id, value))
                elif isinstance(target, ast.Attribute):
                    targets.append((target.attr, value))
                elif isinstance(target, ast.Subscript) and isinstance(target.slice, ast.Constant):
                    targets.append((str(target.slice.value), value))
        elif isinstance(node, ast.Call):
            targets.extend((kw.arg, kw.value) for kw in node.keywords if kw.arg)
        elif isinstance(node, ast.Dict):
            targets.extend(
                (k.value, v)
                for k, v in zip(node.keys, node.values, strict=False)
                if isinstance(k, ast.Constant) and isinstance(k.value, str)
            )
        for name, value in targets:
            if SECRET_NAME_RE.search(name.upper()) and literal(value):
                hits.append(f"{where(rel, value.lineno)} ({name} = <literal>)")
    for node, text in pysource.string_literals(tree):
        if re.search(r"^[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@", text) and not pysource.inside(node, spans):
            hits.append(f"{where(rel, node.lineno)} (URL with a password)")
    for name, fallback in pysource.env_fallbacks(tree):
        if SECRET_NAME_RE.search(name.upper()) and _real_literal(fallback):
            hits.append(f"{where(rel, fallback.lineno)} ({name} falls back to a literal when the variable is unset)")
    return hits


def _real_literal(node: ast.AST) -> bool:
    """A string a deploy that forgets the variable would run with: not empty, not a placeholder."""
    return (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str | bytes)
        and len(str(node.value).strip()) >= 4
        and not PLACEHOLDER_RE.match(str(node.value).strip())
    )


@check(
    "config.no-hardcoded-credentials",
    factor=3,
    kind="static",
    title="No credentials in the code",
    advice="Read passwords, tokens and keys from environment variables (os.environ['SECRET_KEY']), "
    "never from literals in the code.",
    anchor="before-and-after",
)
def no_hardcoded_credentials(ctx: StaticContext) -> Verdict:
    hits: list[str] = []
    trees = ctx.repo.python_trees()
    for rel, tree in trees:
        hits.extend(_secret_assignments(rel, tree))
    for hit in languages.find(ctx.repo, "credential_literal"):
        match = hit.language.idioms["credential_literal"][0].search(hit.text)
        if match is None:
            continue
        # The Python rule on the name, camelCase read as snake_case: sessionSecret yes, tokenUrl no.
        name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", match.group("name")).upper()
        if name and SECRET_NAME_RE.search(name) and not PLACEHOLDER_RE.match(match.group("value").strip()):
            hits.append(f"{hit.cite} ({match.group('name')} = <literal>)")
    if hits:
        return failed("credentials in code: " + "; ".join(hits[:6]))
    node_files = len(languages.code_files(ctx.repo, languages.NODE)) if ctx.repo.is_node else 0
    if not trees and not node_files:
        return passed("no application code to scan")
    scanned = f"{len(trees)} Python" + (f" and {node_files} Node" if node_files else "")
    return passed(f"no credential literals in {scanned} files")


def _env_branches(rel: str, tree: ast.Module) -> list[str]:
    hits = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.If | ast.IfExp | ast.Match):
            continue
        tests = [node.subject] if isinstance(node, ast.Match) else [node.test]
        for test in tests:
            for sub in ast.walk(test):
                if not isinstance(sub, ast.Compare):
                    continue
                names = {s.lower() for s in pysource.compared_strings(sub)}
                if not names & ENV_NAMES:
                    continue
                operands = [sub.left, *sub.comparators]
                if any(_names_environment(o) for o in operands):
                    hits.append(f"{where(rel, sub.lineno)} (branches on {sorted(names & ENV_NAMES)[0]!r})")
    return hits


def _names_environment(node: ast.AST) -> bool:
    for sub in ast.walk(node):
        name = pysource.env_read_name(sub)
        if name and ENV_VAR_RE.search(name.upper()):
            return True
        if isinstance(sub, ast.Name) and ENV_VAR_RE.search(sub.id.upper()):
            return True
        if isinstance(sub, ast.Attribute) and ENV_VAR_RE.search(sub.attr.upper()):
            return True
    return False


@check(
    "config.no-environment-branching",
    factor=3,
    kind="static",
    title="Behaviour follows settings, not the environment's name",
    advice="Replace `if ENV == 'production'` with one setting per behaviour (DEBUG, LOG_LEVEL, "
    "DATABASE_URL), each read from the environment.",
    anchor="what-counts-as-config",
)
def no_environment_branching(ctx: StaticContext) -> Verdict:
    hits: list[str] = []
    for rel, tree in ctx.repo.python_trees():
        hits.extend(_env_branches(rel, tree))
    for hit in languages.find(ctx.repo, "env_branch"):
        hits.append(f"{hit.cite} (branches on {hit.language.idioms['env_branch'][1]}: {hit.text[:60]})")
    if hits:
        return warned("environment-name branches: " + "; ".join(hits[:6]))
    return passed("no branches on the environment's name")


@check(
    "config.honours-environment",
    factor=3,
    kind="dynamic",
    title="Each deploy takes its config from the environment",
    advice="Read PORT (and every other setting) from the environment at start-up, so two deploys of one "
    "build differ only in their environment.",
    anchor="why-environment-variables",
)
def honours_environment(ctx: DynamicContext) -> Verdict:
    blocked = ctx.run.blocked("web")
    if blocked:
        return blocked
    observed = []
    for instance in ctx.run.web_instances:
        if instance.listening_on_port:
            observed.append(f"PORT={instance.port} → listening on {instance.listen_address}")
        else:
            others = ", ".join(f"{a}:{p}" for a, p in instance.listening[:4]) or "nothing"
            return failed(f"PORT={instance.port} given, but the web process listens on {others}")
    if len(observed) < 2:
        return failed("the second deploy did not start: " + "; ".join(observed))
    return passed("; ".join(observed))

import os
import subprocess
import sys

from tests.conftest import REPO_ROOT

PRODUCTION_ENV = {
    "DEBUG": "0",
    "SECRET_KEY": "k3y-" + "a1B2c3D4e5F6g7H8" * 4,
    "ALLOWED_HOSTS": "academy.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://academy.example.com",
    "SECURE_HTTPS": "1",
    "TRUST_X_FORWARDED_PROTO": "1",
}


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "DEBUG", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    clean.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=REPO_ROOT, env=clean, capture_output=True, text=True, timeout=60
    )


def test_missing_secret_key_without_debug_fails_naming_the_variable():
    result = run_manage("check", env={"DEBUG": "0"})

    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr
    assert "Traceback" in result.stderr or "ImproperlyConfigured" in result.stderr


def test_debug_runs_without_secret_key():
    result = run_manage("check", env={"DEBUG": "1"})

    assert result.returncode == 0, result.stderr


def test_deploy_check_passes_with_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION_ENV)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_deploy_check_flags_debug_and_plain_http():
    result = run_manage(
        "check", "--deploy", "--fail-level", "WARNING", env={**PRODUCTION_ENV, "DEBUG": "1", "SECURE_HTTPS": "0"}
    )

    assert result.returncode != 0
    assert "security.W018" in result.stderr  # DEBUG on
    assert "security.W008" in result.stderr  # no HTTPS redirect

import hashlib
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

VENDOR = REPO_ROOT / "static" / "vendor"


def test_vendored_assets_match_their_recorded_checksums():
    lines = (VENDOR / "SHA256SUMS").read_text().splitlines()

    assert len(lines) >= 2
    for line in lines:
        expected, name = line.split()
        actual = hashlib.sha256((VENDOR / name).read_bytes()).hexdigest()
        assert actual == expected, f"{name} differs from its recorded checksum"


def test_every_vendored_script_and_stylesheet_has_a_recorded_checksum():
    recorded = {line.split()[1] for line in (VENDOR / "SHA256SUMS").read_text().splitlines()}
    served = {
        str(path.relative_to(VENDOR)) for path in VENDOR.rglob("*") if path.suffix in {".js", ".css", ".mjs", ".map"}
    }

    assert served, "no vendored assets found"
    assert served <= recorded, f"vendored without a checksum in SHA256SUMS: {sorted(served - recorded)}"


@pytest.mark.django_db
def test_pages_load_no_third_party_scripts(client):
    html = client.get("/").content.decode()

    assert "https://" not in html.split("<body")[0]
    assert "/static/vendor/htmx/htmx-2.0.8" in html


def test_static_files_are_served_with_hashed_names():
    manifest = Path(REPO_ROOT / "staticfiles" / "staticfiles.json")

    assert manifest.exists(), "run the build step: python manage.py collectstatic"
    assert "vendor/htmx/htmx-2.0.8.min.js" in manifest.read_text()

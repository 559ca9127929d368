"""The media volume full on upload, on a real full filesystem: a tiny tmpfs mounted as MEDIA_ROOT."""

import os
import shutil
import subprocess

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from labs.models import Lab, Submission
from tests.archives import zip_bytes
from tests.factories import UserFactory

pytestmark = [pytest.mark.faults, pytest.mark.django_db]


@pytest.fixture
def full_media(tmp_path, settings):
    """MEDIA_ROOT on a 64 KiB tmpfs: room for the page, not for an upload."""
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root (CI runs as root)")
    mount_point = tmp_path / "media"
    mount_point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount_point)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    settings.MEDIA_ROOT = str(mount_point)
    yield mount_point
    subprocess.run(["umount", "-l", str(mount_point)], check=True)


def test_an_upload_that_does_not_fit_is_refused_plainly_and_keeps_nothing(full_media, client, course_content):
    learner = UserFactory(username="ada")
    client.force_login(learner)
    lab = Lab.objects.get(course__slug="twelve-factor", slug="audit")
    # Incompressible, so the archive really is bigger than the volume; small enough for the upload limit.
    archive = zip_bytes({"app/Procfile": b"web: python app.py\n", "app/data.bin": os.urandom(300 * 1024)})

    response = client.post(lab.get_absolute_url() + "submit/", {"archive": SimpleUploadedFile("repo.zip", archive)})

    assert response.status_code == 507
    assert "our storage is full. Nothing was saved" in response.content.decode()
    assert int(response["Retry-After"]) > 0
    assert not Submission.objects.exists()
    left = [path for path in full_media.rglob("*") if path.is_file()]
    assert left == [], f"half-written files left on the volume: {left}"

    # Once there is room again, the same upload goes through.
    subprocess.run(["mount", "-o", "remount,size=2m", str(full_media)], check=True)
    again = client.post(lab.get_absolute_url() + "submit/", {"archive": SimpleUploadedFile("repo.zip", archive)})
    assert again.status_code == 302
    assert Submission.objects.count() == 1

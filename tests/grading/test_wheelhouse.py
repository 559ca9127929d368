"""What the offline wheelhouse can serve: a requirement it has no version for is our gap, not the learner's."""

from labs.grading.manifest import Requirement
from labs.grading.wheelhouse import lacks


def test_lacks_reads_version_ranges_not_only_pins(tmp_path):
    for wheel in ("Django-5.2.19-py3-none-any.whl", "gunicorn-27.0.1-py3-none-any.whl", "flask-3.1.3-py3-none-any.whl"):
        (tmp_path / wheel).write_bytes(b"")
    declared = [
        Requirement("django", ">=6.0,<6.1", "requirements.txt", 1),  # Heroku's template: a range we cannot serve
        Requirement("gunicorn", ">=26", "requirements.txt", 2),
        Requirement("Flask", "==3.1.3 --hash=sha256:00", "requirements.lock", 3),
        Requirement("flask", "(~=3.1) ; python_version >= '3.9'", "setup.cfg", 4),
        Requirement("flask", "", "requirements.txt", 5),
        Requirement("django", "==1.10.5", "requirements.txt", 6),
        Requirement("requests", "", "requirements.txt", 7),
    ]
    assert lacks(tmp_path, declared) == ["django>=6.0,<6.1", "django==1.10.5", "requests"]


def test_a_manifest_that_contradicts_a_pin_we_have_is_not_our_gap(tmp_path):
    (tmp_path / "flask-3.1.3-py3-none-any.whl").write_bytes(b"")
    contradiction = [Requirement("Flask", "==3.1.3", "r.txt", 1), Requirement("flask", ">=9", "r.txt", 2)]
    assert lacks(tmp_path, contradiction) == []  # uv says why it cannot be satisfied: the learner's to fix
    assert lacks(tmp_path, [Requirement("flask", ">=9", "r.txt", 1)]) == ["flask>=9"]

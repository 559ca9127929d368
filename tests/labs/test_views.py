import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from labs import services
from labs.models import Lab, Submission
from tests.archives import zip_folder
from tests.factories import ScorecardFactory, SubmissionFactory, UserFactory

pytestmark = pytest.mark.django_db

AUDIT = "/courses/twelve-factor/labs/audit/"


@pytest.fixture
def lab(course_content) -> Lab:
    return Lab.objects.get(course__slug="twelve-factor", slug="audit")


@pytest.fixture
def learner(client):
    user = UserFactory(username="ada")
    client.force_login(user)
    return user


@pytest.fixture(autouse=True)
def no_broker(monkeypatch):
    monkeypatch.setattr(services, "submission_enqueue", lambda *, submission_id: True)


def test_lab_page_shows_the_form_to_a_learner(client, learner, lab):
    html = client.get(AUDIT).content.decode()

    assert "<h1>" in html and lab.title in html
    assert 'enctype="multipart/form-data"' in html


def test_lab_page_asks_visitors_to_sign_in(client, lab):
    html = client.get(AUDIT).content.decode()

    assert "to submit" in html and 'enctype="multipart/form-data"' not in html


def test_submitting_an_archive_redirects_to_its_status_page(client, learner, lab):
    response = client.post(AUDIT + "submit/", {"archive": SimpleUploadedFile("repo.zip", zip_folder())})

    submission = Submission.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/labs/submissions/{submission.public_id}/"


def test_a_refused_upload_says_why_and_stores_nothing(client, learner, lab):
    response = client.post(AUDIT + "submit/", {"archive": SimpleUploadedFile("notes.txt", b"hello")})

    assert response.status_code == 302 and response["Location"] == AUDIT + "#submit-heading"
    html = client.get(AUDIT).content.decode()
    assert "Upload your repository as a .zip or .tar.gz archive." in html
    assert "Choose notes.txt again" in html
    assert not Submission.objects.exists()
    assert "Upload your repository as a .zip" not in client.get(AUDIT).content.decode()  # said once


def test_a_refused_git_url_is_kept_in_the_form(client, learner, lab):
    client.post(AUDIT + "submit/", {"git_url": "http://example.com/not-https"})

    html = client.get(AUDIT).content.decode()
    assert 'value="http://example.com/not-https"' in html
    assert "(optional)" not in html
    assert not Submission.objects.exists()


def test_submitting_requires_log_in(client, lab):
    response = client.post(AUDIT + "submit/", {"git_url": "https://github.com/a/b"})

    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert not Submission.objects.exists()


def test_status_page_shows_the_queue_then_the_scorecard(client, learner, lab):
    first = SubmissionFactory(lab=lab, user=learner)
    second = SubmissionFactory(lab=lab, user=learner)

    html = client.get(second.get_absolute_url()).content.decode()
    assert "position 2 in the queue" in html
    assert 'hx-trigger="every 1500ms"' in html

    checks = [
        {"id": "logs.output-to-stdout", "factor": 11, "status": "fail", "points": 0, "max_points": 10,
         "evidence": "nothing on stdout", "hint": "Log to stdout. See /courses/twelve-factor/logs/"},
    ]  # fmt: skip
    ScorecardFactory(submission=first, score=0, passed=False, checks=checks)
    Submission.objects.filter(pk=first.pk).update(status=Submission.Status.FAILED)
    html = client.get(first.get_absolute_url()).content.decode()
    assert "Score <strong" in html and "11. Logs" in html and "nothing on stdout" in html
    assert 'href="/courses/twelve-factor/logs/"' in html
    assert "hx-trigger" not in html  # finished: polling stops


def test_htmx_poll_gets_only_the_status_fragment(client, learner, lab):
    submission = SubmissionFactory(lab=lab, user=learner)

    html = client.get(submission.get_absolute_url(), headers={"HX-Request": "true"}).content.decode()

    assert html.lstrip().startswith('<div id="submission-status"')
    assert "<html" not in html


def test_a_second_submission_shows_what_changed(client, learner, lab):
    def graded(statuses: dict[str, str]) -> Submission:
        submission = SubmissionFactory(lab=lab, user=learner, status=Submission.Status.FAILED)
        checks = [
            {
                "id": i,
                "factor": 11,
                "status": s,
                "points": 10 * (s == "pass"),
                "max_points": 10,
                "evidence": "",
                "hint": "",
            }
            for i, s in statuses.items()
        ]
        ScorecardFactory(submission=submission, score=50, passed=False, checks=checks)
        return submission

    graded({"logs.a": "fail", "logs.b": "pass"})
    latest = graded({"logs.a": "pass", "logs.b": "fail"})

    html = client.get(latest.get_absolute_url()).content.decode()

    assert "Now passing</span> logs.a" in html
    assert "Now failing</span> logs.b" in html


def test_another_learners_submission_is_not_found(client, learner, lab):
    other = UserFactory(username="eve")
    theirs = SubmissionFactory(lab=lab, user=other)

    assert client.get(theirs.get_absolute_url()).status_code == 404


def test_submissions_list_shows_only_mine(client, learner, lab):
    SubmissionFactory(lab=lab, user=learner)
    SubmissionFactory(lab=lab, user=UserFactory(username="eve"))

    html = client.get("/labs/submissions/").content.decode()

    assert html.count('href="/labs/submissions/') == 1


def test_a_lab_without_starter_has_no_download(client, lab):
    assert client.get(AUDIT + "starter.zip").status_code == 404


def test_a_starter_downloads_as_a_zip_and_as_a_cloneable_git_bundle(client, lab, tmp_path):
    import io
    import subprocess
    import zipfile

    base = "/courses/twelve-factor/labs/port-binding-and-logs/"
    archive = zipfile.ZipFile(io.BytesIO(client.get(base + "starter.zip").content))
    assert "port-binding-and-logs/Procfile" in archive.namelist()

    bundle = tmp_path / "starter.bundle"
    bundle.write_bytes(client.get(base + "starter.bundle").content)
    clone = subprocess.run(["git", "clone", "-q", str(bundle), str(tmp_path / "repo")], capture_output=True, text=True)
    assert clone.returncode == 0 and "warning" not in clone.stderr, clone.stderr
    assert (tmp_path / "repo" / "Procfile").is_file()


def test_a_scorecard_names_what_blocks_passing_and_links_lessons_by_title(client, learner, lab):
    submission = SubmissionFactory(lab=lab, user=learner, status=Submission.Status.FAILED)
    checks = [
        {"id": "config.no-committed-secrets", "factor": 3, "status": "fail", "points": 0, "max_points": 20,
         "evidence": ".env (committed .env with secrets: SECRET_KEY)", "gate": True,
         "hint": "Commit a `.env.example` instead. See /courses/twelve-factor/config/#how-credentials-leak"},
        {"id": "processes.share-nothing", "factor": 6, "status": "skip", "points": 0, "max_points": 15,
         "evidence": "no state contract", "gate": True,
         "hint": "Keep state outside. See /courses/twelve-factor/processes/"},
    ]  # fmt: skip
    ScorecardFactory(submission=submission, score=90, passed=False, checks=checks)

    html = client.get(submission.get_absolute_url()).content.decode()

    assert "Score <strong" in html and "Blocks passing" in html
    assert html.count("blocks passing</span>") == 1  # the failed gate, not the skipped one
    assert "<code>.env.example</code>" in html
    assert '<a href="/courses/twelve-factor/config/#how-credentials-leak">the lesson “III. Config”</a>' in html
    assert "not counted" in html  # the skip's points
    assert "How this score is counted" in html


def test_a_submission_that_could_not_be_graded_shows_no_score(client, learner, lab):
    refused = SubmissionFactory(
        lab=lab, user=learner, status=Submission.Status.ERROR, error_message="The archive contains a link."
    )
    ScorecardFactory(submission=refused, score=0, passed=False, checks=[], error="The archive contains a link.")
    ours = SubmissionFactory(
        lab=lab,
        user=learner,
        status=Submission.Status.ERROR,
        error_message="We could not grade this submission (sandbox).",
    )

    for submission in (refused, ours):
        html = client.get(submission.get_absolute_url()).content.decode()
        assert "Not graded." in html and "Score <strong" not in html
    listing = client.get("/labs/submissions/").content.decode()
    assert listing.count("not graded") == 2 and ">0<" not in listing


def test_starters_are_packed_by_load_content_and_repacked_only_when_they_change(course_content, tmp_path, monkeypatch):
    import io
    import shutil
    import zipfile

    from content_loading.loader import load_content
    from labs.models import LabStarter
    from tests.conftest import CONTENT_DIR

    packed = {s.lab.slug: (s.source_hash, s.pk) for s in LabStarter.objects.select_related("lab")}
    assert packed and set(packed) == set(Lab.objects.filter(has_starter=True).values_list("slug", flat=True))

    content = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content)
    with monkeypatch.context() as patch:
        patch.setattr("labs.catalog.starter_bundle", lambda *a, **k: pytest.fail("an unchanged starter was repacked"))
        load_content(content)  # the same files: nothing is repacked
    assert {s.lab.slug: (s.source_hash, s.pk) for s in LabStarter.objects.select_related("lab")} == packed

    slug = sorted(packed)[0]
    (content / "courses" / "twelve-factor" / "labs" / slug / "starter" / "NOTES.md").write_text("new file\n")
    load_content(content)
    starter = LabStarter.objects.get(lab__slug=slug)
    assert starter.source_hash != packed[slug][0]
    assert f"{slug}/NOTES.md" in zipfile.ZipFile(io.BytesIO(bytes(starter.zip_bytes))).namelist()

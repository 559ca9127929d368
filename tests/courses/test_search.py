import pytest

from courses.search import search_lessons

pytestmark = pytest.mark.django_db


def test_search_finds_sections_and_links_to_their_heading():
    hits = search_lessons("SIGTERM")

    assert hits
    assert any(hit.url.startswith("/courses/twelve-factor/disposability/#") for hit in hits)
    assert all("<mark>" in hit.snippet for hit in hits[:5])


def test_all_words_must_match():
    hits = search_lessons("gunicorn graceful")

    assert hits
    for hit in hits:
        marked = str(hit.snippet).lower()
        assert "<mark>grace" in marked or "<mark>gunicorn" in marked, (hit.url, marked)


def test_snippets_escape_lesson_text_but_keep_marks():
    hits = search_lessons("Procfile")

    snippet = str(hits[0].snippet)
    assert "<mark>" in snippet
    assert "<script" not in snippet
    assert snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0


def test_empty_or_punctuation_only_queries_return_nothing():
    assert search_lessons("") == []
    assert search_lessons("   !!! ") == []


def test_search_page_shows_results_with_highlights(client):
    html = client.get("/search/", {"q": "lock file"}).content.decode()

    assert "result" in html
    assert "<mark>" in html

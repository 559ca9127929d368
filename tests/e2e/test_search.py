"""Search in Chromium: snippets keep the boundaries of tab labels, table cells and code lines."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Two words glued where a tab label, a table cell or a code line ended ("PythonNode.jsGo # config/gunicorn.").
RUN_TOGETHER = re.compile(r"Python(Node|Go|Ruby)|Node\.js(Go|Ruby|Java)")


def test_snippets_do_not_run_tab_labels_and_cells_together(page, course_content):
    page.goto("/search/?q=gunicorn")

    snippets = page.locator(".search-results p")
    expect(snippets.first).to_be_visible()
    texts = snippets.all_inner_texts()

    assert [text for text in texts if RUN_TOGETHER.search(text)] == []
    assert any(re.search(r"Python · Node\.js", text) for text in texts), texts

from courses.markdown import render_fragment, render_lesson

SOURCE = """
Intro paragraph.

## Why it matters

!!! anti-pattern "Secrets in the repository"
    Never commit `.env`.

!!! tip "Pro tip"
    Use a lock file.

=== "Python"

    ```python
    port = int(os.environ["PORT"])
    ```

=== "Node.js"

    ```javascript
    const port = Number(process.env.PORT);
    ```

### A detail

```mermaid
%% alt: Code flows from the repository to three deploys.
flowchart LR
    repo --> prod
```

| Language | Manifest |
|---|---|
| Python | requirements.txt |
"""


def test_headings_get_stable_anchors_and_a_nested_toc():
    rendered = render_lesson(SOURCE, title="Config")

    assert '<h2 id="why-it-matters">' in rendered.html
    assert rendered.toc[0]["id"] == "why-it-matters"
    assert rendered.toc[0]["children"][0] == {"id": "a-detail", "name": "A detail", "level": 3, "children": []}
    assert rendered.anchors == {"why-it-matters", "a-detail"}


def test_admonitions_keep_their_kind_as_a_class():
    html = render_lesson(SOURCE, title="Config").html

    assert '<div class="admonition anti-pattern">' in html
    assert '<div class="admonition tip">' in html
    assert '<p class="admonition-title">Secrets in the repository</p>' in html


def test_tabs_and_highlighted_code():
    rendered = render_lesson(SOURCE, title="Config")

    assert 'class="tabbed-set tabbed-alternate"' in rendered.html
    assert '<label for="__tabbed_1_1">Python</label>' in rendered.html
    assert '<div class="highlight"><pre><span></span><code><span class="n">port</span>' in rendered.html
    assert '<span class="nb">int</span>' in rendered.html  # Pygments tokens
    assert rendered.has_code


def test_diagram_becomes_a_figure_with_its_text_alternative():
    rendered = render_lesson(SOURCE, title="Config")

    assert rendered.has_diagram
    assert '<figure class="diagram" data-alt="Code flows from the repository to three deploys.">' in rendered.html
    assert '<pre class="mermaid">flowchart LR\n    repo --&gt; prod</pre>' in rendered.html
    assert "<figcaption>Code flows from the repository to three deploys.</figcaption>" in rendered.html


def test_sections_hold_plain_text_under_each_heading_without_diagram_source():
    rendered = render_lesson(SOURCE, title="Config")
    by_anchor = {s.anchor: s for s in rendered.sections}

    assert by_anchor[""].heading == "Config"
    assert by_anchor[""].text == "Intro paragraph."
    assert "Never commit .env." in by_anchor["why-it-matters"].text
    assert "flowchart" not in by_anchor["a-detail"].text
    assert "requirements.txt" in by_anchor["a-detail"].text


def test_fragment_has_no_anchors():
    html = render_fragment("## Heading\n\nSome `code`.")

    assert "<h2>Heading</h2>" in html
    assert "<code>code</code>" in html


def test_sections_keep_block_boundaries_of_tabs_tables_and_code_lines():
    source = """## Run it

=== "Python"

    ```python
    # config/gunicorn.py
    bind = "0.0.0.0:8000"
    ```

=== "Node.js"

    Listen on `PORT`.

| Platform | Port |
|---|---|
| Heroku | `$PORT` |
"""
    text = render_lesson(source, title="Port binding").sections[-1].text

    assert text.splitlines() == [
        "Python",
        "Node.js",
        "# config/gunicorn.py",
        'bind = "0.0.0.0:8000"',
        "Listen on PORT.",
        "Platform",
        "Port",
        "Heroku",
        "$PORT",
    ]

"""Markdown is rendered, then sanitised with an allow-list: no script, no event handlers, no
javascript:/data: links, no raw HTML that could run."""

from __future__ import annotations

import pytest

from openisms.documents.rendering import render_markdown, table_cell


def test_markdown_is_rendered():
    html = render_markdown("# Title\n\n* one\n* **two**\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
    assert "<h1>Title</h1>" in html
    assert "<li><strong>two</strong></li>" in html
    assert "<table>" in html and "<td>1</td>" in html


@pytest.mark.parametrize(
    ("payload", "forbidden"),
    [
        ("<script>alert(1)</script>", ["<script", "alert(1)"]),
        ("[click](javascript:alert(1))", ["javascript:"]),
        ("[click](JaVaScRiPt:alert(1))", ["javascript:", "JaVaScRiPt"]),
        ('<img src="x" onerror="alert(1)">', ["onerror", "alert(1)"]),
        ('<a href="javascript:alert(1)" onclick="x()">a</a>', ["javascript:", "onclick"]),
        ("<iframe src='https://evil.example'></iframe>", ["<iframe", "evil"]),
        ("<style>body{display:none}</style>text", ["<style", "display:none"]),
        ('<div style="position:fixed">x</div>', ["style=", "position"]),
        ("<svg onload=alert(1)><circle/></svg>", ["<svg", "onload"]),
        ("[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", ["data:"]),
        ("![x](javascript:alert(1))", ["javascript:"]),
        ("<form action='https://evil.example'><input name=p></form>", ["<form", "<input"]),
        ('<a href="//evil.example/x">x</a>', ["evil.example"]),
        ("<p class='admin-panel' id='x'>hi</p>", ["class=", "id="]),
        ("<!-- secret --><b>bold</b>", ["secret", "<!--"]),
    ],
)
def test_xss_payloads_are_neutralised(payload, forbidden):
    html = str(render_markdown(payload))
    for bad in forbidden:
        assert bad.lower() not in html.lower(), html


def test_safe_links_keep_and_get_rel():
    html = str(
        render_markdown("[site](https://example.com) [mail](mailto:isms@example.com) [top](#top)")
    )
    assert '<a href="https://example.com" rel="noopener noreferrer">site</a>' in html
    assert 'href="mailto:isms@example.com"' in html
    assert 'href="#top"' in html


def test_relative_links_and_http_images_are_dropped():
    html = str(render_markdown("[admin](/admin/) ![p](http://example.com/p.png)"))
    assert "/admin/" not in html
    assert "http://example.com/p.png" not in html
    assert "admin" in html  # the text stays


def test_raw_html_allowed_tags_stay_harmless():
    html = str(render_markdown("<b onmouseover='x()'>bold</b> <em>em</em>"))
    assert "<b>bold</b>" in html and "<em>em</em>" in html
    assert "onmouseover" not in html


def test_table_cell_escapes_pipes_and_newlines():
    assert table_cell("a | b\nc") == "a \\| b c"
    assert table_cell("") == " "

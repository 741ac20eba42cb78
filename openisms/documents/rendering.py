"""Markdown to safe HTML: ``markdown`` renders, then ``nh3`` (an allow-list sanitiser) keeps
only harmless markup.

* Tags: headings, paragraphs, emphasis, lists, tables, code, quotes, rules, links, images.
  ``script``/``style`` (with their content), ``iframe``, forms, ``svg`` and any other tag are
  removed; raw HTML in the Markdown goes through the same filter.
* Attributes: only ``href``/``title`` on links, ``src``/``alt``/``title`` on images,
  ``align`` on table cells — never ``on*`` handlers, ``style`` or ``class``.
* URLs: only ``http:``, ``https:`` and ``mailto:`` (and ``#anchors``); ``javascript:``,
  ``data:``, relative and protocol-relative links are dropped. Links get
  ``rel="noopener noreferrer"``.
"""

from __future__ import annotations

import re

import markdown as markdown_lib
import nh3
from django.utils.safestring import SafeString, mark_safe

TAGS = frozenset(
    {
        "h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "strong", "em", "b", "i", "del",
        "s", "sub", "sup", "ul", "ol", "li", "dl", "dt", "dd", "blockquote", "pre", "code",
        "table", "thead", "tbody", "tr", "th", "td", "a", "img", "abbr",
    }
)  # fmt: skip
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "abbr": {"title"},
    "th": {"align"},
    "td": {"align"},
}
SCHEMES = frozenset({"http", "https", "mailto"})
SAFE_URL = re.compile(r"^(?:https?://|mailto:|#)", re.IGNORECASE)
EXTENSIONS = ["tables", "fenced_code", "sane_lists", "abbr", "def_list"]


def _attribute_filter(tag: str, attribute: str, value: str) -> str | None:
    """Links and images only to absolute http(s)/mailto URLs or anchors on this page."""
    if attribute in ("href", "src"):
        value = value.strip()
        if not SAFE_URL.match(value) or value.startswith("//"):
            return None
        if attribute == "src" and not value.lower().startswith("https://"):
            return None  # images: https only (no mixed content, no mailto/anchor "images")
    if tag in ("th", "td") and attribute == "align" and value not in ("left", "right", "center"):
        return None
    return value


def sanitize(html: str) -> str:
    return nh3.clean(
        html,
        tags=set(TAGS),
        clean_content_tags={"script", "style", "iframe", "object", "embed", "template", "noscript"},
        attributes={k: set(v) for k, v in ATTRIBUTES.items()},
        attribute_filter=_attribute_filter,
        url_schemes=set(SCHEMES),
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def render_markdown(text: str) -> SafeString:
    """The Markdown ``text`` as sanitised HTML, safe to put in a page."""
    html = markdown_lib.markdown(text or "", extensions=EXTENSIONS, output_format="html")
    return mark_safe(sanitize(html))  # noqa: S308 - sanitised by nh3 with an allow-list


def table_cell(value: object) -> str:
    """A value for a Markdown table cell: one line, pipes escaped."""
    text = " ".join(str(value if value is not None else "").split())
    return text.replace("\\", "\\\\").replace("|", "\\|") or " "

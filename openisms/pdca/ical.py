"""iCalendar (RFC 5545) of a member's obligations: one all-day VEVENT per obligation, with a
UID stable per obligation, text escaped (\\ ; , newline), lines folded at 75 octets and ended
with CRLF."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.utils import timezone

from openisms.pdca.sources import Item

PRODID = "-//OpenISMS//PDCA calendar//EN"


def escape(text: str) -> str:
    return (
        str(text)
        .replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """Split a content line into lines of at most 75 octets (continuations start with a
    space), never inside a UTF-8 character."""
    out: list[str] = []
    current, size, limit = "", 0, 75
    for ch in line:
        n = len(ch.encode())
        if size + n > limit:
            out.append(current)
            current, size, limit = " ", 1, 75
        current += ch
        size += n
    out.append(current)
    return "\r\n".join(out)


def calendar(
    items: Iterable[Item],
    *,
    organization: Any,
    base_url: str,
    name: str,
    now: dt.datetime | None = None,
) -> bytes:
    stamp = (now or timezone.now()).astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    host = organization.slug
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape(name)}",
    ]
    for item in items:
        summary = f"{item.kind_label}: {item.ref} {item.title}".strip()
        if item.overdue:
            summary = f"[overdue] {summary}"
        lines += [
            "BEGIN:VEVENT",
            f"UID:{item.uid}@{host}.openisms",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{item.date:%Y%m%d}",
            f"DTEND;VALUE=DATE:{item.date + dt.timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{escape(summary)}",
            f"CATEGORIES:{escape(item.kind_label)}",
            f"URL:{base_url}{item.url(organization)}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode()

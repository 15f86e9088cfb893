"""Upcoming deadlines as people read them: a Document grouped by month for chat, and the
same records as iCalendar, CSV or JSON for calendars and scripts.

The iCalendar text is written here rather than with the `icalendar` package: a feed of all-day
events needs only VCALENDAR/VEVENT, RFC 5545 text escaping and line folding (about forty lines),
and keeping it here spares a dependency in the bot's start-up path. Tests read our output back
with `icalendar` to prove it is valid.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from core.deadlines import KIND_LABELS, DeadlineRecord, date_key, date_label
from core.document import Document, Section

__all__ = [
    "deadlines_document",
    "group_label",
    "context_line",
    "deadline_line",
    "to_ics",
    "to_csv",
    "to_json",
    "MAX_LINES",
]

MAX_LINES = 40  # a chat reply stays readable (and within Slack's and Discord's limits)
_CONTEXT_CHARS = 160
_PRODID = "-//policybrief//deadline radar//EN"


def group_label(record: DeadlineRecord) -> str:
    """The section a deadline is listed under: its month, or its quarter or year."""
    d = record.deadline
    if d.precision in ("day", "month"):
        return date_label(d.start, "month")
    return date_label(d.start, d.precision)


def context_line(record: DeadlineRecord, limit: int = _CONTEXT_CHARS) -> str:
    """One line of context: the sentence the date came from, cut on a word boundary."""
    text = " ".join(record.deadline.sentence.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut + "…"


def deadline_line(record: DeadlineRecord, limit: int = _CONTEXT_CHARS) -> str:
    """'April 2027 · takes effect — <the sentence> — <the story's link>'."""
    link = f" — {record.url}" if record.url else ""
    return f"{record.deadline.label} — {context_line(record, limit)}{link}"


def _line(record: DeadlineRecord) -> str:
    return deadline_line(record)


def deadlines_document(
    records: Sequence[DeadlineRecord], *, title: str, more: int = 0, footer: Sequence[str] = ()
) -> Document:
    """Soonest first, one section per month (or quarter or year), one line per deadline:
    'April 2027 · takes effect — <the sentence> — <the story's link>'."""
    sections: list[Section] = []
    for record in records[:MAX_LINES]:
        label = group_label(record)
        if not sections or sections[-1].title != label:
            sections.append(Section(title=label))
        sections[-1].lines.append(_line(record))
    hidden = more + max(0, len(records) - MAX_LINES)
    notes = [f"{hidden} more: narrow the query or shorten next:"] if hidden else []
    return Document(kind="list", title=title, sections=sections, footer=[*notes, *footer])


# -- iCalendar ---------------------------------------------------------------------------------


def _escape(text: str) -> str:
    """RFC 5545 TEXT: backslash, semicolon, comma and newlines escaped; controls dropped."""
    text = "".join(ch for ch in text if ch >= " " or ch == "\n")
    return text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> str:
    """Lines of at most 75 octets, continued with CRLF and a space (never inside a character)."""
    out: list[str] = []
    current, size = "", 0
    for ch in line:
        width = len(ch.encode("utf-8"))
        if size + width > (75 if not out else 74):
            out.append(current)
            current, size = "", 0
        current += ch
        size += width
    out.append(current)
    return "\r\n ".join(out)


def to_ics(records: Sequence[DeadlineRecord], *, name: str, now: datetime) -> str:
    """An iCalendar feed: one all-day event per deadline on the first day of its period (its
    precision is said in the summary: 'April 2027 · takes effect')."""
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{_PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{_escape(name)}",
    ]
    for record in records:
        d = record.deadline
        day: date = d.start
        description = context_line(record, limit=1000)
        lines += [
            "BEGIN:VEVENT",
            f"UID:deadline-{record.id}@policybrief",
            f"DTSTAMP:{stamp}",
            f"DTSTART;VALUE=DATE:{day:%Y%m%d}",
            f"DTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{_escape(f'{d.label}: {record.headline}')}",
            f"DESCRIPTION:{_escape(description)}",
            f"CATEGORIES:{_escape(KIND_LABELS[d.kind])}",
        ]
        if record.url:
            lines.append(f"URL:{_escape(record.url)}")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "".join(_fold(line) + "\r\n" for line in lines)


# -- CSV and JSON ------------------------------------------------------------------------------

_FIELDS = ("date", "precision", "kind", "headline", "sentence", "url", "topics", "jurisdictions")


def _row(record: DeadlineRecord) -> dict[str, str | list[str]]:
    d = record.deadline
    return {
        "date": date_key(d.start, d.precision),
        "precision": d.precision,
        "kind": d.kind,
        "headline": record.headline,
        "sentence": d.sentence,
        "url": record.url or "",
        "topics": list(record.topics),
        "jurisdictions": list(record.jurisdictions),
    }


def to_csv(records: Sequence[DeadlineRecord]) -> str:
    """One row per deadline; tags joined by spaces."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=_FIELDS, lineterminator="\n")
    writer.writeheader()
    for record in records:
        row = _row(record)
        writer.writerow({k: " ".join(v) if isinstance(v, list) else v for k, v in row.items()})
    return out.getvalue()


def to_json(records: Sequence[DeadlineRecord]) -> str:
    """A JSON array of deadlines."""
    return json.dumps([_row(r) for r in records], ensure_ascii=False, indent=2) + "\n"

"""Evidence text with its spans marked, for the claim and event pages: the number, the words that attribute it
("volgens persbureau DPA"), the trigger, actors, place and date, and figures as links to their claim page.

Spans nest where one holds another ("zegt de politie" holds the actor "politie"): both are marked, the inner
inside the outer, so every mark shows exactly its span's words. Of two spans that cross, the more important one
(``PRIORITY``) is kept. The text is escaped here; the result is safe to put in a page as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup, escape

# Which span is kept where two cross: the number first, the attributing words last (they are the longest).
PRIORITY = ("number", "figure", "trigger", "actor1", "actor2", "place", "location", "date", "source")
LABELS = {"number": "the number", "figure": "a figure: opens its sentence", "trigger": "what happened",
          "actor1": "actor 1", "actor2": "actor 2", "place": "place", "location": "place", "date": "date",
          "source": "who reports it"}


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    field: str
    href: str | None = None  # a figure's claim page: the span is a link, not a <mark>
    title: str | None = None

    def contains(self, other: Span) -> bool:
        return self.start <= other.start and other.end <= self.end

    def fits_with(self, other: Span) -> bool:
        """Disjoint or nested (a link never inside another link)."""
        if self.end <= other.start or other.end <= self.start:
            return True
        if self.href and other.href:
            return False
        return self.contains(other) or other.contains(self)


@dataclass(frozen=True)
class Marked:
    html: Markup
    legend: list[tuple[str, str]]  # (field, what its mark means) of the marks shown, in priority order


def _rank(field: str) -> int:
    return PRIORITY.index(field) if field in PRIORITY else len(PRIORITY)


def _open(span: Span) -> Markup:
    title = span.title or LABELS.get(span.field, span.field)
    if span.href:
        return Markup('<a class="ev-{}" href="{}" title="{}">').format(span.field, span.href, title)
    return Markup('<mark class="ev-{}" title="{}">').format(span.field, title)


def _close(span: Span) -> Markup:
    return Markup("</a>" if span.href else "</mark>")


def mark_text(text: str, spans: Iterable[Mapping[str, Any]]) -> Marked:
    """``text`` escaped, with the spans (``start``/``end`` in ``text``, ``field``, optional ``href`` and
    ``title``) marked; spans outside the text are left out."""
    candidates = sorted((Span(int(s["start"]), int(s["end"]), str(s.get("field") or ""), s.get("href"),
                              s.get("title")) for s in spans if 0 <= int(s["start"]) < int(s["end"]) <= len(text)),
                        key=lambda s: (_rank(s.field), s.start, -s.end))
    kept: list[Span] = []
    for span in candidates:
        if span not in kept and all(span.fits_with(other) for other in kept):
            kept.append(span)
    kept.sort(key=lambda s: (s.start, -s.end, _rank(s.field)))  # outer before inner
    out: list[str] = []
    stack: list[Span] = []
    cursor = 0
    for span in kept:
        while stack and stack[-1].end <= span.start:
            top = stack.pop()
            out += [escape(text[cursor:top.end]), _close(top)]
            cursor = top.end
        out += [escape(text[cursor:span.start]), _open(span)]
        cursor = span.start
        stack.append(span)
    while stack:
        top = stack.pop()
        out += [escape(text[cursor:top.end]), _close(top)]
        cursor = top.end
    out.append(escape(text[cursor:]))
    used = {span.field for span in kept}
    legend = [(field, LABELS.get(field, field)) for field in sorted(used, key=_rank)
              if field != "location" or "place" not in used]
    return Marked(Markup("").join(out), legend)

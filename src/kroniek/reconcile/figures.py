"""Reported figures reconciled per event (and per story), figure kind and group, the way ACLED codes them.

* Every claim is kept and shown side by side: value, vague words, qualifier, range, group, attribution chain,
  outlet, article, unconfirmed.
* Claims about different groups (security forces, protesters, civilians) are different figures, not competing
  ones: each (kind, group) is reconciled on its own, and the explanation says the groups differ.
* A subset ("van wie 400 in het ziekenhuis") is shown but never competes with the total it belongs to.
* A later figure from the same original source replaces its earlier one (an update, not a dispute).
* The coded value is ACLED's: the most conservative credible report (unconfirmed reports only count when there is
  nothing else); vague words are already coded by the analyser (tientallen 10, dozens 12, honderden 100).
* low / best / high follow UCDP: the lowest and highest figure any credible source allows and the median report.
* Disagreement: the sources' ranges have no value in common. The one-line explanation names who said what.
* A total the text says spans several days or places is split equally over the events it covers.
* A claim extraction flagged for review (context ``review``: larger than one event of its type plausibly has,
  ``[plausibility]``) is shown with ``review: true`` but never coded, so it reaches no total, fatalities or export.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kroniek.model import Claim

KIND_LABELS = {"killed": "Killed", "injured": "Injured", "arrested": "Arrested", "missing": "Missing",
               "displaced": "Displaced", "crowd": "Crowd size"}
GENERIC_GROUPS = frozenset({"", "people", "unknown", "unspecified", "mensen"})

_SUBSET_CUES = re.compile(
    r"\b(?:van wie|van hen|waarvan|daarvan|onder wie|onder hen|onder meer|waaronder|daaronder|inclusief|"
    r"of whom|including|among them|among whom)\b[^.!?;]{0,60}$", re.IGNORECASE)
_SPAN_CUES = re.compile(
    r"\b(?:in totaal|bij elkaar|opgeteld|samen|in de afgelopen (?:\w+ )?(?:dagen|weken)|sinds het begin|"
    r"verspreid over|op (?:verschillende|meerdere|diverse) plaatsen|in (?:verschillende|meerdere|diverse) steden|"
    r"in total|altogether|across the country|over (?:several|the past) days)\b", re.IGNORECASE)


@dataclass
class ClaimView:
    """One claim with what reconciliation needs from its article."""

    claim: Claim
    outlet: str
    published_at: str | None = None
    seq: int = 0
    before: str = ""  # text just before the figure (subset cues)
    sentence: str = ""  # the sentence holding the figure (cues for totals over several events)
    share: tuple[int, int] | None = None  # (part, parts) when a spanning total was split over events
    subset: bool = False
    spanning: bool = False
    review: bool = False  # flagged by extraction's plausibility bounds: shown, never coded

    def __post_init__(self) -> None:
        c = self.claim
        flags = {x.lower() for x in c.contexts} | {(c.qualifier or "").lower()}
        self.subset = self.subset or "subset" in flags or bool(_SUBSET_CUES.search(self.before))
        self.review = self.review or "review" in flags
        self.spanning = self.spanning or bool({"total", "spanning", "cumulative"} & flags) or bool(
            _SPAN_CUES.search(self.sentence))

    @property
    def value(self) -> int | None:
        return self._scale(self.claim.value)

    @property
    def low(self) -> int | None:
        return self._scale(self.claim.low if self.claim.low is not None else self.claim.value)

    @property
    def high(self) -> int | None:
        """None for an open end ("meer dan 2000", "zeker 8")."""
        c = self.claim
        if c.high is None and c.qualifier in ("at_least", "more_than"):
            return None
        return self._scale(c.high if c.high is not None else c.value)

    def _scale(self, number: int | None) -> int | None:
        if number is None or self.share is None:
            return number
        part, parts = self.share
        base, rest = divmod(number, parts)
        return base + (1 if part < rest else 0)

    @property
    def source(self) -> str:
        """The original source: the innermost attribution that is not the outlet itself."""
        chain = [a for a in self.claim.attribution if a and a != self.outlet]
        return chain[-1] if chain else self.outlet

    @property
    def source_key(self) -> str:
        return " ".join(self.source.casefold().split())

    def who(self) -> str:
        """'de Kazachse politie via Reuters, Outlet B' — the attribution chain read inside out."""
        chain = [a for a in self.claim.attribution if a and a != self.outlet]
        if not chain:
            return self.outlet
        inner, via = chain[-1], list(reversed(chain[:-1]))
        return f"{inner} via {', '.join([*via, self.outlet])}"

    def to_dict(self) -> dict[str, Any]:
        c = self.claim
        return {
            "claim_id": c.id, "value": self.value, "low": self.low, "high": self.high, "vague": c.vague,
            "qualifier": c.qualifier, "text": c.text, "group": c.group, "group_type": c.group_type,
            "attribution": list(c.attribution), "source": self.source, "outlet": self.outlet,
            "article_id": c.article_id, "unconfirmed": c.unconfirmed, "published_at": self.published_at,
            "subset": self.subset, "spanning": self.spanning, "review": self.review,
            "share": f"{self.share[0] + 1}/{self.share[1]}" if self.share else None,
            "original_value": c.value if self.share else None,
        }


def group_key(claim: Claim) -> str:
    return (claim.group_type or "").strip().casefold()


def _fmt(number: int | None, open_end: bool = False) -> str:
    if number is None:
        return "?"
    return f"{number}+" if open_end else str(number)


def _said(view: ClaimView) -> str:
    return f"'{view.claim.text}'" if view.claim.text else _fmt(view.value)


@dataclass
class FigureRow:
    event_id: str | None
    kind: str
    group_type: str | None
    claims: list[ClaimView]
    coded: int | None = None
    low: int | None = None
    best: int | None = None
    high: int | None = None
    high_open: bool = False
    disagreement: bool = False
    explanation: str = ""
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "event_id": self.event_id, "kind": self.kind, "group_type": self.group_type, "coded": self.coded,
            "low": self.low, "best": self.best, "high": self.high, "high_open": self.high_open,
            "disagreement": self.disagreement, "explanation": self.explanation,
            "sources": sorted({v.source for v in self.claims}),
            "outlets": sorted({v.outlet for v in self.claims}),
            "claims": [v.to_dict() for v in sorted(self.claims, key=lambda v: (v.published_at or "", v.seq,
                                                                               v.claim.start))],
        }


def reconcile_group(event_id: str | None, kind: str, group_type: str | None,
                    views: Sequence[ClaimView]) -> FigureRow:
    """ACLED's coded value, UCDP's low/best/high and a one-line explanation for one (kind, group)."""
    row = FigureRow(event_id, kind, group_type, list(views))
    label = KIND_LABELS.get(kind, kind.capitalize())
    totals = [v for v in views if not v.subset and not v.review and v.value is not None]
    subsets = [v for v in views if v.subset and not v.review]
    flagged = [v for v in views if v.review]
    confirmed = [v for v in totals if not v.claim.unconfirmed]
    usable = confirmed or totals
    review_note = ("flagged for review, not coded (more than one event plausibly has): "
                   + "; ".join(f"{_said(v)} ({v.who()})" for v in flagged)) if flagged else ""
    if not usable:
        row.explanation = f"{label}: no number reported" + (
            f" (only a subset: {', '.join(_said(v) for v in subsets)})" if subsets else "")
        if review_note:
            row.explanation += f"; {review_note}"
        return row
    # One figure per original source: its latest report replaces the earlier ones.
    latest: dict[str, ClaimView] = {}
    superseded: list[tuple[ClaimView, ClaimView]] = []
    for view in sorted(usable, key=lambda v: (v.published_at or "", v.seq, v.claim.start)):
        previous = latest.get(view.source_key)
        if previous is not None and previous.value != view.value:
            if (previous.published_at or "", previous.seq) < (view.published_at or "", view.seq):
                superseded.append((previous, view))
            elif (view.value or 0) >= (previous.value or 0):
                continue  # same report time: keep the more conservative figure
        latest[view.source_key] = view
    reports = list(latest.values())
    # Unconfirmed reports are not coded when confirmed ones exist, but they still widen the range and can disagree.
    spread = reports + [v for v in totals if v.claim.unconfirmed and v not in usable]
    coded_view = min(reports, key=lambda v: (v.value if v.value is not None else 1 << 60, v.seq))
    row.coded = coded_view.value
    lows = [v.low if v.low is not None else v.value for v in reports]
    row.low = min([x for x in lows if x is not None] + ([row.coded] if row.coded is not None else []))
    values = sorted(v.value for v in reports if v.value is not None)
    row.best = values[(len(values) - 1) // 2] if values else None
    highs = [(v.high, v) for v in spread]
    open_ends = [v for h, v in highs if h is None]
    closed = [h for h, _ in highs if h is not None]
    if open_ends:
        top = max(open_ends, key=lambda v: v.low or v.value or 0)
        row.high = max([top.low or top.value or 0, *closed])
        row.high_open = (top.low or top.value or 0) >= max(closed, default=0)
    else:
        row.high = max(closed) if closed else row.coded
    # Disagreement: no single number fits every source's range.
    floor = max((v.low if v.low is not None else v.value or 0) for v in spread)
    ceiling = min((v.high for v in spread if v.high is not None), default=None)
    row.disagreement = len(spread) > 1 and ceiling is not None and floor > ceiling
    highest = max(spread, key=lambda v: ((v.high if v.high is not None else (v.low or v.value or 0)),
                                          v.value or 0))
    parts = []
    lead = "most conservative: " if len(reports) > 1 else ""
    vague = f", vague '{coded_view.claim.vague}' coded {coded_view.value}" if coded_view.claim.vague else ""
    parts.append(f"{label}: {_fmt(row.coded)} coded ({lead}{_said(coded_view)} per {coded_view.who()}{vague})")
    if row.disagreement:
        parts.append(f"up to {_fmt(row.high, row.high_open)} reported ({_said(highest)}, {highest.who()})")
    elif len(reports) > 1:
        others = [v for v in reports if v is not coded_view]
        parts.append("consistent with " + "; ".join(f"{_said(v)} ({v.who()})" for v in others))
    if superseded:
        parts.append("updated: " + "; ".join(f"{new.source} went from {_fmt(old.value)} to {_fmt(new.value)}"
                                             for old, new in superseded))
    ignored = [v for v in totals if v.claim.unconfirmed and v not in usable]
    if ignored:
        parts.append("unconfirmed, not coded: " + "; ".join(f"{_said(v)} ({v.who()})" for v in ignored))
    if subsets:
        parts.append("subset, not a competing total: " + "; ".join(f"{_said(v)} ({v.who()})" for v in subsets))
    if review_note:
        parts.append(review_note)
    shared = [v for v in views if v.share]
    if shared:
        v = shared[0]
        parts.append(f"a total of {_fmt(v.claim.value)} ({_said(v)}) over {v.share[1] if v.share else 1} events, "
                     "split equally")
    row.explanation = "; ".join(parts)
    return row


def _arrival(view: ClaimView) -> tuple[int, str, int, int, str, tuple[int, int]]:
    c = view.claim
    return (view.seq, c.article_id, c.start, c.end, c.kind, view.share or (-1, 0))


def reconcile(event_id: str | None, views: Iterable[ClaimView]) -> list[FigureRow]:
    """All figure rows of one event (or of a story's claims without an event), groups noted against each other."""
    groups: dict[tuple[str, str], list[ClaimView]] = {}
    display: dict[tuple[str, str], str | None] = {}
    # Arrival order, whatever order the store returned the claims in: the rows and their wording are the same
    # on SQLite and PostgreSQL, for a story reconciled whole or for the events new articles reach.
    for view in sorted(views, key=_arrival):
        key = (view.claim.kind, group_key(view.claim))
        groups.setdefault(key, []).append(view)
        display.setdefault(key, view.claim.group_type)
    rows = [reconcile_group(event_id, kind, display[(kind, g)], groups[(kind, g)])
            for kind, g in sorted(groups)]
    by_kind: dict[str, list[FigureRow]] = {}
    for row in rows:
        by_kind.setdefault(row.kind, []).append(row)
    for kind_rows in by_kind.values():
        named = [r for r in kind_rows if r.coded is not None]
        if len({group_key_of(r) for r in named}) < 2:
            continue
        summary = " and ".join(f"{_fmt(r.coded)} {r.group_type or 'unspecified'} "
                               f"({', '.join(sorted({v.who() for v in r.claims if not v.subset}))})"
                               for r in named)
        note = f"different groups: {summary} — not a contradiction"
        for r in kind_rows:
            r.explanation = f"{r.explanation}; {note}" if r.explanation else note
    return rows


def group_key_of(row: FigureRow) -> str:
    return (row.group_type or "").strip().casefold()


def event_total(rows: Sequence[Mapping[str, Any]] | Sequence[FigureRow], kind: str = "killed") -> int | None:
    """An event's figure over its groups: the sum of the distinct groups' coded values; an unspecified total
    counts when it is larger than that sum (it may already include the groups)."""
    generic: list[int] = []
    specific: list[int] = []
    for row in rows:
        data = row.to_dict() if isinstance(row, FigureRow) else row
        if data.get("kind") != kind or data.get("coded") is None:
            continue
        group = str(data.get("group_type") or "").strip().casefold()
        (generic if group in GENERIC_GROUPS else specific).append(int(data["coded"]))
    if not generic and not specific:
        return None
    return max(max(generic, default=0), sum(specific))


def split_spanning(views_by_event: Mapping[str, list[ClaimView]],
                   article_events: Mapping[str, Sequence[str]]) -> dict[str, list[ClaimView]]:
    """Totals the text says span several days or places, split equally over the events of the same article.

    ``article_events`` maps an article id to the canonical events (same event type as the claim's) it reports.
    A spanning claim found under one of them becomes a share under each; other claims stay where they are.
    """
    result: dict[str, list[ClaimView]] = {eid: [] for eid in views_by_event}
    for event_id, views in views_by_event.items():
        for view in views:
            targets = sorted(set(article_events.get(f"{view.claim.article_id}|{event_id}", ())))
            if not view.spanning or len(targets) < 2 or view.claim.value is None:
                result[event_id].append(view)
                continue
            for index, target in enumerate(targets):
                share = ClaimView(view.claim, view.outlet, view.published_at, view.seq, view.before, view.sentence,
                                  share=(index, len(targets)), subset=view.subset, spanning=True)
                result.setdefault(target, []).append(share)
    return result

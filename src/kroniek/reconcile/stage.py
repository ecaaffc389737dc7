"""The reconcile stage: for every story with new or changed articles, the figures of each canonical event (and
the story's figures without an event) reconciled, the event's ACLED fatalities and notes written back.

Runs after ``link`` (which sets claims.event_id); an event whose figures change gets a new ``updated_at`` so
incremental exports pick the revision up, as ACLED revises fatalities.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy.engine import Connection

from kroniek.config import Settings
from kroniek.link.query import timeline_key
from kroniek.link.repository import LinkRepository, article_texts, dumps, loads, utcnow
from kroniek.model import Claim
from kroniek.pipeline import Progress, StageReport
from kroniek.reconcile.figures import ClaimView, event_total, reconcile, split_spanning
from kroniek.store.repository import Store

_SENTENCE_BREAK = re.compile(r"[.!?\n]")


class ReconcileStage:
    name = "reconcile"
    after = "link"  # takes only articles that stage has done

    def run(self, store: Store, settings: Settings, progress: Progress | None = None) -> StageReport:
        report = StageReport(self.name, counts={"stories": 0, "events_updated": 0, "disagreements": 0})
        repo = LinkRepository(store)
        total = store.count_pending(self.name, after=self.after)
        batch_size = int(settings.get("reconcile", "batch_size", 200))
        for batch in store.pending(self.name, after=self.after, batch_size=batch_size):
            with store.engine.begin() as conn:
                stories = sorted(set(repo.story_of(conn, [a.id for a in batch]).values()))
                for story_id in stories:
                    reconcile_story(repo, conn, story_id, report)
                store.mark_done(conn, self.name, batch)
            report.processed += len(batch)
            if progress:
                progress(self.name, report.processed, total)
        return report


def _context(text: str, start: int, end: int) -> tuple[str, str]:
    """The text just before a figure and the sentence around it."""
    start = max(0, min(start, len(text)))
    end = max(start, min(end, len(text)))
    before = text[max(0, start - 80):start]
    left = max((m.end() for m in _SENTENCE_BREAK.finditer(text, max(0, start - 400), start)), default=0)
    right_match = _SENTENCE_BREAK.search(text, end)
    right = right_match.start() + 1 if right_match else len(text)
    return before, text[left:right]


def claim_views(repo: LinkRepository, conn: Connection, articles: Sequence[Any]) -> list[tuple[str | None,
                                                                                               ClaimView]]:
    """(canonical event id or None, view) for every claim of the story's articles.

    The text around a figure is read from the article once and kept with the claim (``data["context"]``), so
    reconciling a story again later reads claims only, not every article's text: the cost of a new article does
    not grow with the size of the story it joins. Re-extraction rewrites the claim and drops the copy.
    """
    by_id = {row.id: row for row in articles}
    rows = repo.claim_rows(conn, list(by_id))
    if not rows:
        return []
    datas = {row.id: loads(row.data) for row in rows}
    missing = sorted({row.article_id for row in rows if not isinstance(datas[row.id].get("context"), dict)})
    texts = article_texts(conn, missing) if missing else {}
    views: list[tuple[str | None, ClaimView]] = []
    for row in rows:
        data = datas[row.id]
        claim = Claim.from_dict(data)
        context = data.get("context")
        if not isinstance(context, dict):
            title, body = texts.get(row.article_id, ("", ""))
            text = f"{title}\n\n{body}" if title else body  # the Document text offsets point into
            before, sentence = _context(text, claim.start, claim.end)
            context = {"before": before, "sentence": sentence}
            repo.set_claim_data(conn, row.id, dumps(data | {"context": context}))
        article = by_id[row.article_id]
        views.append((row.event_id, ClaimView(claim, outlet=article.outlet, published_at=article.published_at,
                                              seq=int(article.seq), before=str(context.get("before") or ""),
                                              sentence=str(context.get("sentence") or ""))))
    return views


def reconcile_story(repo: LinkRepository, conn: Connection, story_id: str, report: StageReport) -> None:
    story = repo.story_rows(conn, [story_id]).get(story_id)
    if story is None or story.status != "active":
        return
    articles = repo.story_article_rows(conn, story_id)
    events = {row.id: loads(row.data) for row in repo.story_event_rows(conn, story_id)}
    views = claim_views(repo, conn, articles)
    per_event: dict[str, list[ClaimView]] = {eid: [] for eid in events}
    loose: list[ClaimView] = []
    for event_id, view in views:
        if event_id is not None and event_id in per_event:
            per_event[event_id].append(view)
        else:
            loose.append(view)
    # Which events of the same type each article reports: the scope of a total over several days or places.
    reported: dict[tuple[str, Any], list[str]] = {}  # (article, event type) -> its events, in story order
    for event_id, data in events.items():
        for article_id in dict.fromkeys(data.get("article_ids") or []):
            reported.setdefault((article_id, data.get("event_type")), []).append(event_id)
    article_events: dict[str, list[str]] = {}
    for event_id, data in events.items():
        for article_id in data.get("article_ids") or []:
            article_events[f"{article_id}|{event_id}"] = reported[(article_id, data.get("event_type"))]
    per_event = split_spanning(per_event, article_events)
    now = utcnow()
    story_rows: list[dict[str, Any]] = []
    for event_id, data in sorted(events.items(), key=lambda kv: timeline_key(kv[1])):
        rows = [r.to_dict() for r in reconcile(event_id, per_event.get(event_id, []))]
        story_rows.extend(rows)
        fatalities = event_total(rows, "killed") if data.get("happened", True) else None
        notes = event_notes(data, rows, fatalities)
        report.counts["disagreements"] += sum(1 for r in rows if r["disagreement"])
        if data.get("figures") == rows and data.get("fatalities") == fatalities and data.get("notes") == notes:
            continue
        revised = data.get("figures") != rows or data.get("fatalities") != fatalities
        data["figures"], data["fatalities"], data["notes"] = rows, fatalities, notes
        if revised:
            data["updated_at"] = now.isoformat()
            if rows:
                history = list(data.get("history") or [])
                history.append({"at": now.isoformat(), "action": "figures", "fatalities": fatalities})
                data["history"] = history[-50:]
        repo.save_event(conn, {"id": event_id, "fatalities": fatalities, "data": dumps(data),
                               "updated_at": dt.datetime.fromisoformat(str(data.get("updated_at")))
                               if data.get("updated_at") else now})
        report.counts["events_updated"] += 1
    story_rows.extend(r.to_dict() for r in reconcile(None, loose))
    summary = loads(story.data)
    if summary.get("figures") != story_rows:
        summary["figures"] = story_rows
        repo.update_story(conn, story_id, data=dumps(summary))
    report.counts["stories"] += 1


def event_notes(event: dict[str, Any], rows: Sequence[dict[str, Any]], fatalities: int | None) -> str:
    """ACLED-style notes: what happened where, the coded fatalities, and every disputed figure."""
    where = ", ".join(x for x in (event.get("place"), event.get("admin1"), event.get("country")) if x)
    actors = " and ".join(x for x in (event.get("actor1"), event.get("actor2")) if x)
    when = event.get("date") or "an unknown date"
    what = str(event.get("sub_event_type") or event.get("event_type") or "event").lower()
    text = f"On {when}, {what}" + (f" in {where}" if where else "") + (f" involving {actors}" if actors else "")
    if event.get("issue"):
        text += f" over {event['issue']}"
    text += "."
    if not event.get("happened", True):
        text += " Reported as not (yet) having happened: " + ", ".join(event.get("contexts") or []) + "."
    if fatalities is not None:
        text += f" Fatalities: {fatalities}."
    for row in rows:
        if row.get("disagreement"):
            text += f" Disputed: {row['explanation']}"
    outlets = event.get("outlets") or []
    if outlets:
        text += f" Sources: {'; '.join(outlets)}."
    return text

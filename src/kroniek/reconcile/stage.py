"""The reconcile stage: for every story with new or changed articles, the figures of each canonical event (and
the story's figures without an event) reconciled, the event's ACLED fatalities and notes written back.

Runs after ``link`` (which sets claims.event_id); an event whose figures change gets a new ``updated_at`` so
incremental exports pick the revision up, as ACLED revises fatalities.

Each event keeps its own figure rows (``figures`` in its data); the story keeps only the rows of figures that no
event of it reports (``loose_figures``). The story's figures table is put together when it is read (its events'
rows in timeline order, then the loose ones: ``kroniek.store.query.story_figures``), so a new article rewrites
the rows of the events it reaches, never a copy of the whole table (a megabyte in the biggest stories, which every
link and reconcile of the story used to read and write again).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Connection

from kroniek.config import Settings
from kroniek.model import Claim
from kroniek.reconcile.figures import ClaimView, event_total, reconcile, split_spanning
from kroniek.stages import Progress, StageReport
from kroniek.store import schema
from kroniek.store.links import LinkRepository, article_texts, dumps, loads, utcnow
from kroniek.store.query import timeline_key
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
                arrivals: dict[str, list[str]] = {}
                for article_id, story_id in repo.story_of(conn, [a.id for a in batch]).items():
                    arrivals.setdefault(story_id, []).append(article_id)
                for story_id in sorted(arrivals):
                    reconcile_story(repo, conn, story_id, report, arrivals[story_id])
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


def claim_views(repo: LinkRepository, conn: Connection, articles: Sequence[Any],
                rows: Sequence[Any] | None = None) -> list[tuple[str | None, ClaimView]]:
    """(canonical event id or None, view) for every claim of the story's articles.

    The text around a figure is read from the article once and kept with the claim (``data["context"]``), so
    reconciling a story again later reads claims only, not every article's text: the cost of a new article does
    not grow with the size of the story it joins. Re-extraction rewrites the claim and drops the copy.
    """
    by_id = {row.id: row for row in articles}
    if rows is None:
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


def reconcile_story(repo: LinkRepository, conn: Connection, story_id: str, report: StageReport,
                    arrivals: Sequence[str] | None = None) -> None:
    """Reconcile a story's figures. With ``arrivals`` (the story's articles this run takes) and a story the link
    stage only appended to since it was last reconciled, only the events those articles report are reconciled
    again, from every claim that can reach them: the cost follows the new articles, not the story's size."""
    story = repo.story_rows(conn, [story_id]).get(story_id)
    if story is None or story.status != "active":
        return
    summary = loads(story.data)
    if arrivals and not summary.get("reconcile_all") and isinstance(summary.get("loose_figures"), list):
        _reconcile_arrivals(repo, conn, story, summary, arrivals, report)
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
    per_event = split_spanning(per_event, _article_events(
        (event_id, data.get("event_type"), data.get("article_ids") or []) for event_id, data in events.items()))
    revised = False
    for event_id, data in sorted(events.items(), key=lambda kv: timeline_key(kv[1])):
        revised |= _reconcile_event(repo, conn, event_id, data, per_event.get(event_id, []), report)
    _save_story_figures(repo, conn, story, summary, [r.to_dict() for r in reconcile(None, loose)], revised)
    report.counts["stories"] += 1


def _article_events(events: Iterable[tuple[str, Any, Iterable[str]]]) -> dict[str, list[str]]:
    """"article|event" -> the events of that event's type the article reports (in the order given): the scope of
    a total the text says spans several days or places."""
    listed = list(events)
    reported: dict[tuple[str, Any], list[str]] = {}
    for event_id, event_type, article_ids in listed:
        for article_id in dict.fromkeys(article_ids):
            reported.setdefault((article_id, event_type), []).append(event_id)
    return {f"{article_id}|{event_id}": reported[(article_id, event_type)]
            for event_id, event_type, article_ids in listed for article_id in article_ids}


def _save_story_figures(repo: LinkRepository, conn: Connection, story: Any, summary: dict[str, Any],
                        loose_rows: list[dict[str, Any]], revised: bool) -> None:
    """The story's loose rows kept (``summary``: its data as read) and its "reconcile all" flag cleared;
    ``updated_at`` moves when its figures table changed (``revised``: an event's rows did, or the loose rows
    did), not for bookkeeping."""
    cleared = summary.pop("reconcile_all", None) is not None
    changed = revised or loose_rows != summary.get("loose_figures")
    summary["loose_figures"] = loose_rows
    if changed:
        repo.update_story(conn, story.id, data=dumps(summary))
    elif cleared:  # bookkeeping only: updated_at stays
        conn.execute(update(schema.stories).where(schema.stories.c.id == story.id).values(data=dumps(summary)))


def _reconcile_arrivals(repo: LinkRepository, conn: Connection, story: Any, summary: dict[str, Any],
                        arrivals: Sequence[str], report: StageReport) -> None:
    """The events the arriving articles report, reconciled from the claims of every article reporting them (a
    total spanning several events reaches an event only through an article that reports it), and their rows
    put in place in the story's figures table."""
    story_id = story.id
    touched = repo.reported_events(conn, story_id, arrivals)
    summaries = repo.event_summaries(conn, touched)
    readers = set(arrivals)
    for row in summaries.values():
        readers.update(row.get("article_ids") or [])
    claim_rows = repo.claim_rows(conn, sorted(readers))
    articles = repo.article_rows(conn, sorted({row.article_id for row in claim_rows}))
    # Every event those articles report (a spanning total is shared out over them), with its type.
    reported = repo.article_event_pairs(conn, story_id, sorted(readers))
    wanted = {event_id for _, event_id in reported}
    summaries |= repo.event_summaries(conn, wanted - set(summaries))
    types = {event_id: row["event_type"] for event_id, row in summaries.items() if event_id in wanted}
    members: dict[str, list[str]] = {}
    for article_id, event_id in reported:
        members.setdefault(event_id, []).append(article_id)
    views = claim_views(repo, conn, list(articles.values()), claim_rows)
    per_event: dict[str, list[ClaimView]] = {event_id: [] for event_id in types}
    for target, view in views:
        if target is not None and target in per_event:
            per_event[target].append(view)
    per_event = split_spanning(per_event, _article_events(
        (event_id, types[event_id], sorted(set(members.get(event_id, [])))) for event_id in sorted(types)))
    datas = {event_id: loads(row.data) for event_id, row in repo.event_rows(conn, touched).items()}
    revised = False
    for event_id in sorted(datas):
        revised |= _reconcile_event(repo, conn, event_id, datas[event_id], per_event.get(event_id, []), report)
    # Figures with no event of the story (none in the arriving articles' own claims means none changed).
    loose_rows = list(summary["loose_figures"])
    if any(row.event_id is None or row.event_id not in types for row in claim_rows if row.article_id in arrivals):
        rows = repo.loose_claim_rows(conn, story_id)
        loose_articles = repo.article_rows(conn, sorted({row.article_id for row in rows}))
        loose = [view for _, view in claim_views(repo, conn, list(loose_articles.values()), rows)]
        loose_rows = [r.to_dict() for r in reconcile(None, loose)]
    _save_story_figures(repo, conn, story, summary, loose_rows, revised)
    report.counts["stories"] += 1


def _reconcile_event(repo: LinkRepository, conn: Connection, event_id: str, data: dict[str, Any],
                     views: Sequence[ClaimView], report: StageReport) -> bool:
    """One event's figure rows, fatalities and notes, written back when they changed; True when its rows did."""
    now = utcnow()
    rows = [r.to_dict() for r in reconcile(event_id, list(views))]
    fatalities = event_total(rows, "killed") if data.get("happened", True) else None
    notes = event_notes(data, rows, fatalities)
    report.counts["disagreements"] += sum(1 for r in rows if r["disagreement"])
    if data.get("figures") == rows and data.get("fatalities") == fatalities and data.get("notes") == notes:
        return False
    rows_changed = data.get("figures") != rows
    revised = rows_changed or data.get("fatalities") != fatalities
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
    return rows_changed


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

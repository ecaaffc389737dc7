"""One-off conversions of a store written by an older kroniek, run by migration 0007 inside the store's upgrade:
the read model that later versions keep next to the data (event summaries, article names, a story's event tally
and article stats) is filled in where it is missing, and the figures table old stories carried becomes their
loose rows. Every step touches only what is missing, so running it on an up-to-date store changes nothing, and
no stage has to look for old data on every run."""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select, update
from sqlalchemy.engine import Connection

from kroniek import jsonio
from kroniek.model import Article, Document, document_hash
from kroniek.store import schema
from kroniek.store.links import article_stats, dumps, event_summary_json, event_tally, loads
from kroniek.store.names import article_names_of


def upgrade_read_model(conn: Connection, chunk: int = 500) -> dict[str, int]:
    """Fill in the read model wherever it is missing; the counts of what was done, by kind."""
    return {"event_summaries": _event_summaries(conn, chunk), "article_names": _article_names(conn, chunk),
            "story_summaries": _story_summaries(conn, chunk)}


def _event_summaries(conn: Connection, chunk: int) -> int:
    e = schema.events
    done = 0
    while True:
        rows = list(conn.execute(select(e.c.id, e.c.data).where(e.c.summary.is_(None)).limit(chunk)))
        for row in rows:
            conn.execute(update(e).where(e.c.id == row.id).values(summary=event_summary_json(row.data)))
        done += len(rows)
        if len(rows) < chunk:
            return done


def _document_of(conn: Connection, article_id: str) -> Document | None:
    """The newest analysis of an article's current text (as ``Store.document_for``)."""
    from kroniek.store.repository import article_from_row

    row = conn.execute(select(schema.articles).where(schema.articles.c.id == article_id)).first()
    if row is None:
        return None
    article: Article = article_from_row(row)
    found = conn.execute(select(schema.analyses.c.data).where(schema.analyses.c.text_hash == document_hash(article))
                         .order_by(schema.analyses.c.created_at.desc()).limit(1)).first()
    return Document.from_dict(jsonio.loads(found.data)) if found is not None else None


def _article_names(conn: Connection, chunk: int) -> int:
    """Names of linked articles that were linked before names were kept (one empty row stands for "none")."""
    sa, names = schema.story_articles, schema.article_names
    done = 0
    while True:
        missing = list(conn.execute(select(sa.c.article_id).where(
            ~exists().where(names.c.article_id == sa.c.article_id)).limit(chunk)).scalars())
        for article_id in missing:
            rows = [{"article_id": article_id, "name_key": key, "label": label, "name": name, "mentions": count}
                    for key, name, label, count in article_names_of(_document_of(conn, article_id))]
            conn.execute(names.insert(), rows or [{"article_id": article_id, "name_key": "", "label": "",
                                                   "name": "", "mentions": 0}])
        done += len(missing)
        if len(missing) < chunk:
            return done


def _story_summaries(conn: Connection, chunk: int) -> int:
    """Active stories without their event tally or article stats; stories whose data still carries the whole
    figures table (``figures``, ``figure_order``) keep only their loose rows (the events hold their own)."""
    st, e, sa, a = schema.stories, schema.events, schema.story_articles, schema.articles
    done = 0
    after = ""
    while True:
        rows = list(conn.execute(select(st.c.id, st.c.data, st.c.status).where(st.c.id > after)
                                 .order_by(st.c.id).limit(chunk)))
        for row in rows:
            data: Any = loads(row.data) if row.data else {}
            if not isinstance(data, dict):
                continue
            changed = False
            if "figures" in data or "figure_order" in data:
                table = data.pop("figures", None) or []
                data.pop("figure_order", None)
                data["loose_figures"] = [r for r in table if isinstance(r, dict) and r.get("event_id") is None]
                changed = True
            if row.status == "active" and "tally" not in data:
                summaries = conn.execute(select(e.c.summary, e.c.data).where(e.c.story_id == row.id,
                                                                            e.c.status == "active"))
                data["tally"] = event_tally(loads(s.summary or s.data) for s in summaries)
                changed = True
            if row.status == "active" and "article_stats" not in data:
                articles = list(conn.execute(select(a.c.outlet, a.c.published_start)
                                             .select_from(sa.join(a, a.c.id == sa.c.article_id))
                                             .where(sa.c.story_id == row.id)))
                if articles:
                    data["article_stats"] = article_stats(articles)
                    changed = True
            if changed:  # bookkeeping, not news: updated_at stays as it was
                conn.execute(update(st).where(st.c.id == row.id).values(data=dumps(data)))
                done += 1
        if len(rows) < chunk:
            return done
        after = rows[-1].id

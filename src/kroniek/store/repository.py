"""The one module that reads and writes the store. Stages call these methods; nothing else issues SQL."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import signal
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from sqlalchemy import Engine, Select, create_engine, delete, event, exc, exists, func, insert, select, update
from sqlalchemy.engine import Connection

from kroniek import jsonio
from kroniek.model import Article, Claim, Document, Event, PartialDate
from kroniek.store import schema
from kroniek.store.migrate import upgrade


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Outcome:
    """What became of one record of a batch: added, updated, unchanged or rejected (with the reason), and the id
    it is stored under."""

    status: str
    id: str
    reason: str | None = None


@dataclass
class IngestResult:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    outcomes: list[Outcome] = field(default_factory=list)  # one per record, in batch order

    def add(self, outcome: Outcome) -> None:
        self.outcomes.append(outcome)
        if outcome.status in ("added", "updated", "unchanged"):
            setattr(self, outcome.status, getattr(self, outcome.status) + 1)

    def __iadd__(self, other: IngestResult) -> IngestResult:
        self.added += other.added
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.outcomes.extend(other.outcomes)
        return self

    def to_dict(self) -> dict[str, int]:
        return {"added": self.added, "updated": self.updated, "unchanged": self.unchanged}


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_engine(url: str) -> Engine:
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    engine = create_engine(url, future=True)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def article_from_row(row: Any) -> Article:
    published = None
    if row.published_at:
        published = PartialDate.parse(row.published_at)
    return Article(
        id=row.id,
        outlet=row.outlet,
        url=row.url,
        title=row.title,
        text=row.text,
        published=published,
        language=row.language,
        source=row.source,
        source_line=row.source_line,
        ingested_at=row.ingested_at,
    )


_FAILPOINT_BATCHES: dict[str, int] = {}


def _failpoint(stage: str) -> None:
    """Fault injection for the crash tests: ``KRONIEK_FAILPOINT=extract:2`` SIGKILLs the process inside the
    second batch of the extract stage, after its writes and before its commit. Unset in normal use."""
    wanted = os.environ.get("KRONIEK_FAILPOINT")
    if not wanted or not wanted.startswith(stage + ":"):
        return
    _FAILPOINT_BATCHES[stage] = _FAILPOINT_BATCHES.get(stage, 0) + 1
    if str(_FAILPOINT_BATCHES[stage]) == wanted.split(":", 1)[1]:
        os.kill(os.getpid(), signal.SIGKILL)


class Store:
    """Repository over one database. ``Store.open(url)`` brings the schema up to date first."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @classmethod
    def open(cls, url: str) -> Store:
        engine = make_engine(url)
        upgrade(engine)
        return cls(engine)

    def close(self) -> None:
        self.engine.dispose()

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    # --- articles ---------------------------------------------------------------------------------------------

    def ingest_batch(self, batch: Sequence[Article], allow_update: bool = True) -> IngestResult:
        """Store a batch in one transaction: new ids are added, changed text is an update that keeps the whole
        old version, identical content changes nothing. An id that is already another outlet's article is that
        outlet's own id here (``scoped_id``): a record can never take over an article of a different outlet.
        Without ``allow_update`` (the write API) a changed article is refused, not updated.

        A record the database refuses rejects that record only: the batch is then stored record by record.
        Killed mid-way, the transaction leaves nothing behind."""
        result = IngestResult()
        if not batch:
            return result
        try:
            with self.engine.begin() as conn:
                outcomes = self._ingest_in(conn, batch, allow_update)
        except Exception as error:
            if not _record_error(error):
                raise
            outcomes = []
            for article in batch:
                try:
                    with self.engine.begin() as conn:
                        outcomes.extend(self._ingest_in(conn, [article], allow_update))
                except Exception as failure:
                    if not _record_error(failure):
                        raise
                    outcomes.append(Outcome("rejected", article.id, f"the store refused it: {_short(failure)}"))
        for outcome in outcomes:
            result.add(outcome)
        return result

    def _ingest_in(self, conn: Connection, batch: Sequence[Article], allow_update: bool) -> list[Outcome]:
        now = utcnow()
        table = schema.articles
        ids = list({a.id for a in batch})
        known: dict[str, _Known | None] = dict.fromkeys(ids)  # None: not stored (yet)
        for chunk in _chunks(ids, 500):
            for found in conn.execute(select(table.c.id, table.c.outlet, table.c.content_hash)
                                      .where(table.c.id.in_(chunk))):
                known[found.id] = _Known(found.outlet, found.content_hash)

        def lookup(article_id: str) -> _Known | None:
            if article_id not in known:
                hit = conn.execute(select(table.c.outlet, table.c.content_hash)
                                   .where(table.c.id == article_id)).first()
                known[article_id] = _Known(hit.outlet, hit.content_hash) if hit is not None else None
            return known[article_id]

        outcomes: list[Outcome] = []
        new_rows: list[dict[str, Any]] = []  # inserted together (one executemany), in arrival order

        def insert_new_rows() -> None:
            if new_rows:
                conn.execute(insert(table), new_rows)
                new_rows.clear()

        for article in batch:
            refusal = _refusal(article)
            if refusal:
                outcomes.append(Outcome("rejected", article.id, refusal))
                continue
            stored_id, row = article.id, lookup(article.id)
            for _attempt in range(8):  # another outlet's id: take this outlet's own
                if row is None or row.outlet == article.outlet:
                    break
                stored_id = scoped_id(article.outlet, stored_id)
                row = lookup(stored_id)
            else:
                outcomes.append(Outcome("rejected", article.id, "no free id for this outlet"))
                continue
            content_hash = article.content_hash
            if row is not None and row.content_hash == content_hash:
                outcomes.append(Outcome("unchanged", stored_id))
                continue
            if row is not None and not allow_update:
                outcomes.append(Outcome("rejected", stored_id, "an article with this id and other content is "
                                                               "stored already (articles are never changed here)"))
                continue
            values = _article_values(article, content_hash) | {"id": stored_id}
            if row is None:
                new_rows.append(values | {"version": 1, "ingested_at": article.ingested_at or now, "updated_at": now})
                outcomes.append(Outcome("added", stored_id))
            else:
                insert_new_rows()  # the article may be one of them
                current = conn.execute(select(table).where(table.c.id == stored_id)).one()
                conn.execute(insert(schema.article_versions).values(
                    article_id=current.id, version=current.version, outlet=current.outlet, url=current.url,
                    title=current.title, text=current.text, published_at=current.published_at,
                    date_precision=current.date_precision, content_hash=current.content_hash, replaced_at=now))
                conn.execute(update(table).where(table.c.id == stored_id).values(
                    **values, version=current.version + 1, updated_at=now))
                # changed text is pending again for every stage: no mark may stay past it
                conn.execute(update(schema.stage_marks).where(schema.stage_marks.c.seq >= current.seq)
                             .values(seq=current.seq - 1))
                outcomes.append(Outcome("updated", stored_id))
            known[stored_id] = _Known(article.outlet, content_hash)
        insert_new_rows()
        return outcomes

    def count_articles(self, outlet: str | None = None) -> int:
        query = select(func.count()).select_from(schema.articles)
        if outlet:
            query = query.where(schema.articles.c.outlet == outlet)
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    def articles(self, limit: int | None = None, offset: int = 0, outlet: str | None = None) -> list[Article]:
        query = select(schema.articles).order_by(schema.articles.c.seq)
        if outlet:
            query = query.where(schema.articles.c.outlet == outlet)
        if limit is not None:
            query = query.limit(limit).offset(offset)
        with self.engine.connect() as conn:
            return [article_from_row(row) for row in conn.execute(query)]

    def iter_articles(self, batch_size: int = 500) -> Iterator[Article]:
        last = 0
        while True:
            with self.engine.connect() as conn:
                rows = list(conn.execute(select(schema.articles).where(schema.articles.c.seq > last)
                                         .order_by(schema.articles.c.seq).limit(batch_size)))
            if not rows:
                return
            for row in rows:
                yield article_from_row(row)
            last = rows[-1].seq

    def get_article(self, article_id: str) -> Article | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(schema.articles).where(schema.articles.c.id == article_id)).first()
            if row is None and article_id:  # accept a unique prefix, as git does; % and _ are literal
                rows = list(conn.execute(select(schema.articles)
                                         .where(schema.articles.c.id.startswith(article_id, autoescape=True))
                                         .limit(2)))
                row = rows[0] if len(rows) == 1 else None
        return article_from_row(row) if row is not None else None

    def article_versions(self, article_id: str) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(schema.article_versions)
                                .where(schema.article_versions.c.article_id == article_id)
                                .order_by(schema.article_versions.c.version))
            return [dict(row._mapping) for row in rows]

    def set_language(self, article_id: str, language: str | None) -> None:
        with self.engine.begin() as conn:
            self.set_language_in(conn, article_id, language)

    def set_language_in(self, conn: Connection, article_id: str, language: str | None) -> None:
        conn.execute(update(schema.articles).where(schema.articles.c.id == article_id).values(language=language))

    # --- incremental stages -----------------------------------------------------------------------------------

    def pending(self, stage: str, batch_size: int = 200, after: str | None = None) -> Iterator[list[Article]]:
        """Batches of articles whose current content the stage has not processed yet, in arrival order; with
        ``after``, only those the named earlier stage has already done (with the same content), so a stage never
        takes an article its input is not ready for (stages may run side by side, and an earlier stage may have
        failed on an article).

        The search starts at the stage's mark (everything before it is done) and moves the mark up to just before
        the first pending article, so the cost of finding new work does not grow with the archive. The mark counts
        articles the stage has not done even when they are not ready yet."""
        mark = self.stage_mark(stage)
        with self.engine.connect() as conn:
            newest = conn.execute(select(func.max(schema.articles.c.seq))).scalar() or 0
            first_open = conn.execute(self._pending_query(stage, mark).with_only_columns(schema.articles.c.seq)
                                      .order_by(schema.articles.c.seq).limit(1)).scalar() if after else None
        last, first = mark, True
        while True:
            query = self._pending_query(stage, last, after).order_by(schema.articles.c.seq).limit(batch_size)
            with self.engine.connect() as conn:
                rows = list(conn.execute(query))
            if first:
                # every article between the mark and the first pending one (or the newest, read before) is done
                if after:
                    self._raise_mark(stage, mark, first_open - 1 if first_open is not None else newest)
                else:
                    self._raise_mark(stage, mark, rows[0].seq - 1 if rows else newest)
                first = False
            if not rows:
                return
            last = rows[-1].seq
            yield [article_from_row(row) for row in rows]

    def count_pending(self, stage: str, after: str | None = None) -> int:
        query = select(func.count()).select_from(self._pending_query(stage, self.stage_mark(stage), after)
                                                 .subquery())
        with self.engine.connect() as conn:
            return int(conn.execute(query).scalar_one())

    @staticmethod
    def _pending_query(stage: str, after_seq: int, after_stage: str | None = None) -> Select[Any]:
        runs = schema.stage_runs
        query = (
            select(schema.articles)
            .outerjoin(runs, (runs.c.article_id == schema.articles.c.id) & (runs.c.stage == stage))
            .where(schema.articles.c.seq > after_seq)
            .where((runs.c.content_hash.is_(None)) | (runs.c.content_hash != schema.articles.c.content_hash))
        )
        if after_stage:
            ready = schema.stage_runs.alias("ready")
            query = query.where(exists().where((ready.c.article_id == schema.articles.c.id)
                                               & (ready.c.stage == after_stage)
                                               & (ready.c.content_hash == schema.articles.c.content_hash)))
        return query

    def stage_mark(self, stage: str) -> int:
        with self.engine.connect() as conn:
            value = conn.execute(select(schema.stage_marks.c.seq).where(schema.stage_marks.c.stage == stage)).scalar()
        return int(value or 0)

    def _raise_mark(self, stage: str, expected: int, seq: int) -> None:
        if seq <= expected:
            return
        marks = schema.stage_marks
        with self.engine.begin() as conn:
            current = conn.execute(select(marks.c.seq).where(marks.c.stage == stage)).scalar()
            if current is None:
                conn.execute(insert(marks).values(stage=stage, seq=seq))
            elif current == expected:  # nobody lowered it meanwhile (an update of an older article)
                conn.execute(update(marks).where(marks.c.stage == stage).values(seq=seq))

    def mark_done(self, conn: Connection, stage: str, articles: Iterable[Article],
                  notes: dict[str, str] | None = None) -> None:
        now = utcnow()
        _failpoint(stage)
        for article in articles:
            conn.execute(delete(schema.stage_runs).where(
                (schema.stage_runs.c.article_id == article.id) & (schema.stage_runs.c.stage == stage)))
            conn.execute(insert(schema.stage_runs).values(
                article_id=article.id, stage=stage, content_hash=article.content_hash,
                note=(notes or {}).get(article.id), done_at=now))

    def stage_notes(self, stage: str) -> dict[str, str]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(schema.stage_runs.c.article_id, schema.stage_runs.c.note)
                                .where(schema.stage_runs.c.stage == stage)
                                .where(schema.stage_runs.c.note.is_not(None)))
            return {row.article_id: row.note for row in rows}

    # --- analysis cache ---------------------------------------------------------------------------------------

    def load_document(self, text_hash: str, analyser: str) -> Document | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(schema.analyses.c.data).where(
                (schema.analyses.c.text_hash == text_hash) & (schema.analyses.c.analyser == analyser))).first()
        return Document.from_dict(jsonio.loads(row.data)) if row else None

    def load_documents(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], Document]:
        found: dict[tuple[str, str], Document] = {}
        hashes = list({k[0] for k in keys})
        with self.engine.connect() as conn:
            for chunk in _chunks(hashes, 500):
                for row in conn.execute(select(schema.analyses).where(schema.analyses.c.text_hash.in_(chunk))):
                    found[(row.text_hash, row.analyser)] = Document.from_dict(jsonio.loads(row.data))
        return {k: v for k, v in found.items() if k in set(keys)}

    def save_document(self, conn: Connection, text_hash: str, document: Document) -> None:
        table = schema.analyses
        conn.execute(delete(table).where((table.c.text_hash == text_hash) & (table.c.analyser == document.analyser)))
        conn.execute(insert(table).values(text_hash=text_hash, analyser=document.analyser,
                                          data=_document_json(document), created_at=utcnow()))

    def document_for(self, article: Article) -> Document | None:
        """The newest cached analysis of the article's current text, whatever analyser made it."""
        from kroniek.model import document_hash

        with self.engine.connect() as conn:
            row = conn.execute(select(schema.analyses.c.data)
                               .where(schema.analyses.c.text_hash == document_hash(article))
                               .order_by(schema.analyses.c.created_at.desc()).limit(1)).first()
        if row is None:
            return None
        document = Document.from_dict(jsonio.loads(row.data))
        document.article_id = article.id  # the same text may have been analysed for a syndicated copy
        return document

    # --- mentions (events per article) and claims -------------------------------------------------------------

    def replace_extractions(self, conn: Connection, article_id: str, events: Sequence[Event],
                            claims: Sequence[Claim]) -> None:
        conn.execute(delete(schema.mentions).where(schema.mentions.c.article_id == article_id))
        conn.execute(delete(schema.claims).where(schema.claims.c.article_id == article_id))
        for ev in events:
            conn.execute(insert(schema.mentions).values(
                id=ev.id, article_id=ev.article_id, sentence=ev.sentence, event_type=ev.event_type,
                sub_event_type=ev.sub_event_type, plover_type=ev.plover_type, happened=ev.happened,
                date_start=ev.date.value.isoformat() if ev.date else None,
                date_end=ev.date.last_day.isoformat() if ev.date else None,
                place=ev.place.name if ev.place else None, country=ev.place.iso2 if ev.place else None,
                data=json.dumps(ev.to_dict(), ensure_ascii=False)))
        for claim in claims:
            conn.execute(insert(schema.claims).values(
                id=claim.id, article_id=claim.article_id, kind=claim.kind, value=claim.value,
                mention_id=claim.event_id, data=json.dumps(claim.to_dict(), ensure_ascii=False)))

    def mentions(self, article_ids: Sequence[str] | None = None) -> list[Event]:
        query = select(schema.mentions.c.data)
        with self.engine.connect() as conn:
            if article_ids is None:
                rows = list(conn.execute(query.order_by(schema.mentions.c.article_id, schema.mentions.c.sentence)))
            else:
                rows = [row for chunk in _chunks(list(article_ids), 500)
                        for row in conn.execute(query.where(schema.mentions.c.article_id.in_(chunk)))]
        return [Event.from_dict(jsonio.loads(row.data)) for row in rows]

    def claims(self, article_ids: Sequence[str] | None = None) -> list[Claim]:
        query = select(schema.claims.c.data)
        with self.engine.connect() as conn:
            if article_ids is None:
                rows = list(conn.execute(query.order_by(schema.claims.c.article_id)))
            else:
                rows = [row for chunk in _chunks(list(article_ids), 500)
                        for row in conn.execute(query.where(schema.claims.c.article_id.in_(chunk)))]
        return [Claim.from_dict(jsonio.loads(row.data)) for row in rows]

    def count(self, table_name: str) -> int:
        table = schema.metadata.tables[table_name]
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


@dataclass(frozen=True)
class _Known:
    outlet: str
    content_hash: str


def scoped_id(outlet: str, article_id: str) -> str:
    """The id of an article whose given id is already another outlet's: derived from outlet + id, so the same
    record gets the same id again (re-ingest changes nothing) and never the other outlet's article."""
    return "o" + hashlib.sha256(f"{outlet}\n{article_id}".encode()).hexdigest()[:15]


_ID_CHARS = int(getattr(schema.articles.c.id.type, "length", 64))
_OUTLET_CHARS = int(getattr(schema.articles.c.outlet.type, "length", 200))


def _refusal(article: Article) -> str | None:
    """Why the store cannot hold a record as it is (the readers check the same before; this guards every other
    caller), or None: the same on SQLite and PostgreSQL, whose column limits SQLite would not enforce."""
    if not article.id or len(article.id) > _ID_CHARS:
        return f"id longer than {_ID_CHARS} characters"
    if not article.outlet or len(article.outlet) > _OUTLET_CHARS:
        return f"outlet empty or longer than {_OUTLET_CHARS} characters"
    for name in ("id", "outlet", "url", "title", "text", "source"):
        value = getattr(article, name)
        if value is None:
            continue
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return f"{name} is not valid text (a lone surrogate)"
        if "\x00" in value:
            return f"{name} holds a NUL character"
    return None


def _record_error(error: Exception) -> bool:
    """An error that one record causes (a constraint, a value the database refuses), not the database's state."""
    if isinstance(error, exc.OperationalError | exc.InternalError | exc.InterfaceError | exc.ProgrammingError):
        return False
    return isinstance(error, exc.StatementError | UnicodeError | ValueError | OverflowError)


def _short(error: Exception) -> str:
    text = str(getattr(error, "orig", None) or error)
    return " ".join(text.split())[:200]


def _article_values(article: Article, content_hash: str) -> dict[str, Any]:
    published = article.published
    return {
        "id": article.id,
        "outlet": article.outlet,
        "url": article.url,
        "title": article.title,
        "text": article.text,
        "published_at": published.iso() if published else None,
        "date_precision": published.precision.value if published else None,
        "published_start": published.value.isoformat() if published else None,
        "published_end": published.last_day.isoformat() if published else None,
        "language": article.language,
        "content_hash": content_hash,
        "source": article.source,
        "source_line": article.source_line,
    }


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for index in range(0, len(items), size):
        yield items[index : index + size]


def _document_json(document: Document) -> str:
    """A Document as stored JSON. orjson: the analysis process writes one per article and ``json.dumps`` took
    2 ms of it; a Document holds only strings, numbers, booleans and None, so both give the same data (orjson
    without the spaces after separators; every reader parses it). Text orjson refuses (a lone surrogate) goes
    to ``json.dumps`` as before."""
    data = document.to_dict()
    try:
        return orjson.dumps(data).decode("utf-8")
    except (orjson.JSONEncodeError, UnicodeDecodeError):
        return json.dumps(data, ensure_ascii=False)


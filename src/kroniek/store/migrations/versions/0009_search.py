"""full-text search over article titles and texts, in each engine's own way

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 14:00:00

SQLite: an FTS5 index ``article_search`` over ``articles.title`` and ``articles.text`` (external content, so the
text is stored once), tokenised by ``unicode61 remove_diacritics 2`` (Georgië = Georgie), kept by three triggers
on ``articles``, with its word list ``article_search_vocab`` (fts5vocab); existing articles are indexed here.
PostgreSQL: a text search configuration ``kroniek_dutch`` (the built-in Dutch Snowball stemmer and stop words,
after ``unaccent`` where that extension can be created) and a generated ``articles.search_vector`` (title weight A,
text weight B) with a GIN index.

Every statement may run again on a store that has it all already (a store whose recorded revision was set back
must open as it is). Both are kept by the database, not by the writers, so no path that inserts, updates or deletes
an article can leave the index stale. A later migration that rebuilds the articles table on SQLite (as
``batch_alter_table`` does for some changes) must create the triggers again and run the FTS5 ``rebuild`` command.
"""

from __future__ import annotations

import logging

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

log = logging.getLogger(__name__)

SQLITE_INDEX = ("CREATE VIRTUAL TABLE IF NOT EXISTS article_search USING fts5(title, text, content='articles', "
                "content_rowid='seq', tokenize='unicode61 remove_diacritics 2')")
# The FTS5 documentation's recipe for an external-content table: a delete is the special 'delete' insert.
SQLITE_TRIGGERS = (
    "CREATE TRIGGER IF NOT EXISTS article_search_insert AFTER INSERT ON articles BEGIN "
    "INSERT INTO article_search(rowid, title, text) VALUES (new.seq, new.title, new.text); END",
    "CREATE TRIGGER IF NOT EXISTS article_search_delete AFTER DELETE ON articles BEGIN "
    "INSERT INTO article_search(article_search, rowid, title, text) VALUES ('delete', old.seq, old.title, old.text); "
    "END",
    "CREATE TRIGGER IF NOT EXISTS article_search_update AFTER UPDATE OF title, text ON articles BEGIN "
    "INSERT INTO article_search(article_search, rowid, title, text) VALUES ('delete', old.seq, old.title, old.text); "
    "INSERT INTO article_search(rowid, title, text) VALUES (new.seq, new.title, new.text); END",
)

POSTGRES_VECTOR = ("setweight(to_tsvector('kroniek_dutch'::regconfig, coalesce(title, '')), 'A') || "
                   "setweight(to_tsvector('kroniek_dutch'::regconfig, coalesce(text, '')), 'B')")


def _postgres_configuration() -> None:
    bind = op.get_bind()
    if bind.exec_driver_sql("SELECT 1 FROM pg_ts_config WHERE cfgname = 'kroniek_dutch'").first():
        return  # a store whose recorded revision was set back (see the docstring): everything is there
    op.execute("CREATE TEXT SEARCH CONFIGURATION kroniek_dutch (COPY = pg_catalog.dutch)")
    try:
        with bind.begin_nested():  # a savepoint: a refused extension must not abort the migration
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS unaccent")
    except Exception as error:
        log.warning("PostgreSQL extension unaccent unavailable (%s): search matches accents exactly", error)
        return
    op.execute("ALTER TEXT SEARCH CONFIGURATION kroniek_dutch "
               "ALTER MAPPING FOR hword, hword_part, word WITH unaccent, dutch_stem")


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _postgres_configuration()
        op.execute("ALTER TABLE articles ADD COLUMN IF NOT EXISTS search_vector tsvector "
                   f"GENERATED ALWAYS AS ({POSTGRES_VECTOR}) STORED")
        op.execute("CREATE INDEX IF NOT EXISTS ix_articles_search ON articles USING gin (search_vector)")
        return
    op.execute(SQLITE_INDEX)
    # its words, for a query word's inflections (kroniek.store.search.sqlite_variants)
    op.execute("CREATE VIRTUAL TABLE IF NOT EXISTS article_search_vocab USING fts5vocab(article_search, 'row')")
    for trigger in SQLITE_TRIGGERS:
        op.execute(trigger)
    op.execute("INSERT INTO article_search(article_search) VALUES ('rebuild')")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_articles_search")
        op.execute("ALTER TABLE articles DROP COLUMN IF EXISTS search_vector")
        op.execute("DROP TEXT SEARCH CONFIGURATION IF EXISTS kroniek_dutch")
        return
    for name in ("insert", "delete", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS article_search_{name}")
    op.execute("DROP TABLE IF EXISTS article_search_vocab")
    op.execute("DROP TABLE IF EXISTS article_search")

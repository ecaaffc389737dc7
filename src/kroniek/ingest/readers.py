"""One reader per format. Each turns an input into Articles and Rejected records, streaming where it can.

JSONL and CSV are read line by line from an open binary stream, so memory stays flat whatever the file size; a
seed file, a feed or an HTML page is one document and is read whole (within the configured size caps).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterator
from typing import IO, Any
from urllib.parse import urlsplit

from kroniek.ingest.base import FIELDS, ReadOptions, Record, Rejected
from kroniek.model import Article, DatePrecision, PartialDate

SEED_HEADER = re.compile(r"^\s*date\s+(\d{4}-\d{2}(?:-\d{2})?)(?:[ T](\d{1,2}:\d{2}(?::\d{2})?))?(?=\s|$)")


def parse_published(value: Any) -> PartialDate | None:
    """ISO date, datetime (with or without zone), ``YYYY-MM`` or ``YYYY``; empty is None; bad raises ValueError."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    if re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{1,2}:\d{2}(:\d{2})?", text):
        text = text.replace(" ", "T")
    try:
        return PartialDate.parse(text)
    except ValueError:
        raise ValueError(f"bad published_at {value!r} (want YYYY, YYYY-MM, YYYY-MM-DD or an ISO datetime)") from None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def build_article(record: dict[str, Any], options: ReadOptions, name: str, line: int) -> Record:
    """Check one record's fields and make an Article, or say precisely what is wrong with it."""
    def get(field: str) -> str:  # NUL carries no meaning in news text and PostgreSQL refuses it in text columns
        value = record.get(options.column(field))
        return "" if value is None else str(value).replace("\x00", "")

    text = get("text").replace("\r\n", "\n").strip()
    if not text:
        return Rejected(name, line, "empty text")
    if len(text.encode("utf-8")) > options.max_article_bytes:
        return Rejected(name, line, f"text larger than {options.max_article_bytes} bytes")
    outlet = get("outlet").strip() or (options.outlet or "")
    if not outlet:
        return Rejected(name, line, "no outlet (give one with --outlet)")
    try:
        published = parse_published(record.get(options.column("published_at")))
    except ValueError as error:
        return Rejected(name, line, str(error))
    url = get("url").strip() or None
    return Article(outlet=outlet, text=text, title=get("title").strip(), url=url, published=published,
                   id=get("id").strip(), source=name, source_line=line, ingested_at=_now())


# --- seed format ----------------------------------------------------------------------------------------------


def read_seed(name: str, data: bytes, options: ReadOptions, folder: str | None) -> Iterator[Record]:
    try:
        raw = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        yield Rejected(name, line, f"undecodable bytes at offset {error.start} (not UTF-8)")
        return
    match = SEED_HEADER.match(raw)
    if not match:
        yield Rejected(name, 1, "missing or malformed ' date YYYY-MM[-DD] ' header")
        return
    stamp = match.group(1) + (f"T{match.group(2)}" if match.group(2) else "")
    try:
        published = PartialDate.parse(stamp)
    except ValueError:
        yield Rejected(name, 1, f"bad date in header: {stamp!r}")
        return
    outlet = options.outlet or folder or ""
    record = {"text": raw[match.end():], "published_at": published.iso(), "outlet": outlet}
    article = build_article(record, ReadOptions(outlet=outlet, max_article_bytes=options.max_article_bytes),
                            name, 1)
    if isinstance(article, Article):
        article.published = published
    yield article


# --- JSONL and CSV --------------------------------------------------------------------------------------------


def read_jsonl(name: str, stream: IO[bytes], options: ReadOptions) -> Iterator[Record]:
    for number, raw in enumerate(stream, start=1):
        if not raw.strip():
            continue
        try:
            line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as error:
            yield Rejected(name, number, f"undecodable bytes at column {error.start + 1} (not UTF-8)")
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            yield Rejected(name, number, f"broken JSON: {error.msg} at column {error.colno}")
            continue
        if not isinstance(record, dict):
            yield Rejected(name, number, "a JSON line must hold an object")
            continue
        yield build_article(record, options, name, number)


def read_csv(name: str, stream: IO[bytes], options: ReadOptions) -> Iterator[Record]:
    # The csv module's own field cap (128 Ki characters) must not undercut max_article_bytes (a character is at
    # least one byte, so a longer field is over the cap anyway). The cap is process-wide: only ever raise it.
    limit = options.max_article_bytes + 1
    if csv.field_size_limit() < limit:
        csv.field_size_limit(limit)
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="strict", newline="")
    lines = _Lines(text)
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        yield Rejected(name, 1, "empty CSV file")
        return
    except _BadLine as error:
        yield Rejected(name, error.line, error.reason)
        return
    except csv.Error as error:  # e.g. a quote opened in the header and never closed (found by atheris)
        yield Rejected(name, 1, f"bad CSV header: {error}")
        return
    wanted = {options.column(f) for f in ("text",)}
    missing = [c for c in wanted if c not in header]
    if missing:
        yield Rejected(name, 1, f"CSV header lacks column(s) {', '.join(missing)} (use --map field=column)")
        return
    while True:
        start_line, lines.quotes = lines.number + 1, 0
        try:
            row = next(reader)
        except StopIteration:
            return
        except _BadLine as error:
            yield Rejected(name, error.line, error.reason)
            return
        except csv.Error as error:
            reason = (f"a field larger than {options.max_article_bytes} bytes" if "field limit" in str(error)
                      else f"bad CSV row: {error}")
            try:  # the csv module resumes at the next line, which may still be inside the bad record's field
                lines.skip_open_field()
            except _BadLine as bad:
                yield Rejected(name, start_line, reason)
                yield Rejected(name, bad.line, bad.reason)
                return
            skipped = f" (lines {start_line}-{lines.number} skipped)" if lines.number > start_line else ""
            yield Rejected(name, start_line, reason + skipped)
            continue
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            yield Rejected(name, start_line, f"row has {len(row)} columns, the header has {len(header)}")
            continue
        yield build_article(dict(zip(header, row, strict=True)), options, name, start_line)


class _BadLine(Exception):
    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line, self.reason = line, reason


class _Lines:
    """The CSV file's physical lines for the csv module: numbered, UTF-8 checked, and counting the quotes of the
    record being read, so that after a bad record the rest of its open quoted field can be skipped."""

    def __init__(self, text: io.TextIOWrapper) -> None:
        self.text, self.number, self.quotes = text, 0, 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        try:
            line = self.text.readline()
        except UnicodeDecodeError:
            raise _BadLine(self.number + 1, "undecodable bytes (not UTF-8)") from None
        if not line:
            raise StopIteration
        self.number += 1
        self.quotes += line.count('"')
        return line

    def skip_open_field(self) -> None:
        """Drop lines until the record's quotes balance (an odd count: a quoted field is still open) or the end."""
        while self.quotes % 2 and next(self, None) is not None:
            pass


# --- RSS / Atom -----------------------------------------------------------------------------------------------


def html_to_text(markup: str | None) -> str:
    """Plain text paragraphs from an HTML fragment (feed item content): no tags survive."""
    import lxml.html

    if not markup or not markup.strip():
        return ""
    try:
        root = lxml.html.fragment_fromstring(markup, create_parent="div")
    except Exception:
        return re.sub(r"<[^>]*>", " ", markup).strip()
    for bad in root.xpath("//script|//style"):
        bad.drop_tree()
    blocks = []
    for element in root.iter("p", "h1", "h2", "h3", "li", "blockquote"):
        text = " ".join(element.text_content().split())
        if text:
            blocks.append(text)
    if not blocks:
        blocks = [" ".join(root.text_content().split())]
    return "\n\n".join(blocks)


def read_feed(name: str, data: bytes, options: ReadOptions) -> Iterator[Record]:
    import feedparser

    try:
        parsed = feedparser.parse(data)
    except Exception as failure:  # its loose parser raises on some mis-nested tags (found by atheris)
        yield Rejected(name, 0, f"broken feed: the feed parser failed ({type(failure).__name__}: {failure})")
        return
    if parsed.bozo and not parsed.entries:
        error = parsed.get("bozo_exception")
        line = getattr(error, "getLineNumber", lambda: 0)() if error is not None else 0
        yield Rejected(name, line or 0, f"broken feed: {error}")
        return
    feed_title = str(parsed.feed.get("title") or "").strip()
    for index, entry in enumerate(parsed.entries[: options.max_feed_items], start=1):
        # feedparser gives None, not "", for an element that is present but empty (found by fuzzing)
        content = ""
        if entry.get("content"):
            content = entry.content[0].get("value") or ""
        content = content or entry.get("summary") or entry.get("description") or ""
        if nesting_depth(content.encode("utf-8", "replace"), options.max_html_depth) > options.max_html_depth:
            yield Rejected(name, index, f"item HTML nested deeper than {options.max_html_depth} levels")
            continue
        stamp = entry.get("published_parsed") or entry.get("updated_parsed")
        published = None
        if stamp:
            moment = dt.datetime(stamp[0], stamp[1], stamp[2], stamp[3], stamp[4], stamp[5], tzinfo=dt.UTC)
            published = PartialDate(moment.date(), DatePrecision.DATETIME, moment=moment)
        link = entry.get("link")
        outlet = options.outlet or feed_title or (urlsplit(name).hostname or "")
        record = {"text": html_to_text(content), "title": html_to_text(entry.get("title") or ""), "url": link,
                  "outlet": outlet}
        article = build_article(record, ReadOptions(outlet=outlet, max_article_bytes=options.max_article_bytes),
                                name, index)
        if isinstance(article, Article):
            article.published = published
        yield article
    if len(parsed.entries) > options.max_feed_items:
        yield Rejected(name, 0, f"feed has {len(parsed.entries)} items; only the first {options.max_feed_items} read")


# --- HTML pages -----------------------------------------------------------------------------------------------

MIN_PAGE_WORDS = 8
_TAG = re.compile(rb"<(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*?(/?)>")
_VOID = {b"br", b"img", b"hr", b"meta", b"link", b"input", b"source", b"wbr", b"area", b"base", b"col", b"embed",
         b"param", b"track", b"p", b"li", b"td", b"tr", b"th", b"option"}


def nesting_depth(data: bytes, limit: int) -> int:
    """Approximate tag nesting depth, stopping once past ``limit`` (guards lxml from pathological pages)."""
    depth = deepest = 0
    for match in _TAG.finditer(data):
        closing, tag, self_closing = match.group(1), match.group(2).lower(), match.group(3)
        if tag in _VOID or self_closing:
            continue
        depth = max(0, depth - 1) if closing else depth + 1
        deepest = max(deepest, depth)
        if deepest > limit:
            break
    return deepest


def read_html(name: str, data: bytes, options: ReadOptions, url: str | None = None) -> Iterator[Record]:
    import trafilatura
    from htmldate import find_date

    if len(data) > options.max_html_bytes:
        yield Rejected(name, 0, f"page larger than {options.max_html_bytes} bytes")
        return
    if nesting_depth(data, options.max_html_depth) > options.max_html_depth:
        yield Rejected(name, 0, f"HTML nested deeper than {options.max_html_depth} levels")
        return
    markup = data.decode("utf-8", errors="replace")
    document = trafilatura.bare_extraction(markup, url=url, with_metadata=True, include_comments=False)
    meta: dict[str, Any] = {}
    if document is not None:
        meta = document.as_dict() if hasattr(document, "as_dict") else dict(document)
    text = str(meta.get("text") or "").strip()
    if len(text.split()) < MIN_PAGE_WORDS:  # a menu or a cookie notice is not an article
        yield Rejected(name, 0, "no article text found in the page")
        return
    page_url = meta.get("url") or url
    published = None
    try:
        stamp = find_date(markup, original_date=True, outputformat="%Y-%m-%dT%H:%M:%S")
    except Exception:
        stamp = None
    if stamp:
        published = (PartialDate.parse(stamp[:10]) if stamp.endswith("T00:00:00")
                     else PartialDate.parse(stamp))
    outlet = options.outlet or str(meta.get("sitename") or "") or (urlsplit(page_url or "").hostname or "")
    record = {"text": text, "title": meta.get("title") or "", "url": page_url, "outlet": outlet}
    article = build_article(record, ReadOptions(outlet=outlet or "unknown",
                                                max_article_bytes=options.max_article_bytes), name, 1)
    if isinstance(article, Article):
        article.published = published
    yield article


FORMATS = ("seed", "jsonl", "csv", "rss", "html")
FIELD_NAMES = FIELDS

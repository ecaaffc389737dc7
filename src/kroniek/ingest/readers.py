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
import xml.parsers.expat
from collections.abc import Iterator
from dataclasses import replace
from typing import IO, Any
from urllib.parse import urlsplit

from kroniek.ingest.base import (
    FIELDS,
    SCHEMA_MAX_ID_CHARS,
    SCHEMA_MAX_OUTLET_CHARS,
    ReadOptions,
    Record,
    Rejected,
    display_name,
)
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


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return type(value).__name__


def _text_fields(record: dict[str, Any], options: ReadOptions) -> dict[str, str] | str:
    """The record's fields as strings, or the reason it is refused: a field that is not a string (a number, a
    boolean, a list: never coerced), or text that cannot be stored as UTF-8 (a lone surrogate)."""
    values: dict[str, str] = {}
    for name in FIELDS:
        value = record.get(options.column(name))
        if value is None:
            values[name] = ""
            continue
        if not isinstance(value, str):
            return f"{name} must be a string, not {_json_type(value)}"
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            return f"{name} is not valid text: a lone surrogate at character {error.start + 1}"
        # NUL carries no meaning in news text and PostgreSQL refuses it in text columns
        values[name] = value.replace("\x00", "")
    return values


def future_date(published: PartialDate | None, options: ReadOptions) -> str | None:
    """The reason a publication date is refused (it lies in the future), or None."""
    if published is None:
        return None
    latest = _now().date() + dt.timedelta(days=options.max_future_days)
    if published.value > latest:
        return f"published_at {published.iso()} is in the future"
    return None


def build_article(record: dict[str, Any], options: ReadOptions, name: str, line: int) -> Record:
    """Check one record's fields (types, UTF-8, lengths, date) and make an Article, or say precisely what is
    wrong with it. Every limit is checked here, before any insert, so SQLite and PostgreSQL refuse the same."""
    fields = _text_fields(record, options)
    if isinstance(fields, str):
        return Rejected(name, line, fields)
    text = fields["text"].replace("\r\n", "\n").strip()
    if not text:
        return Rejected(name, line, "empty text")
    if len(text.encode("utf-8")) > options.max_article_bytes:
        return Rejected(name, line, f"text larger than {options.max_article_bytes} bytes")
    outlet = fields["outlet"].strip() or (options.outlet or "")
    if not outlet:
        return Rejected(name, line, "no outlet (give one with --outlet)")
    title, url, given_id = fields["title"].strip(), fields["url"].strip() or None, fields["id"].strip()
    limits = (("id", given_id, min(options.max_id_chars, SCHEMA_MAX_ID_CHARS)),
              ("outlet", outlet, min(options.max_outlet_chars, SCHEMA_MAX_OUTLET_CHARS)),
              ("url", url or "", options.max_url_chars), ("title", title, options.max_title_chars))
    for field_name, value, limit in limits:
        if len(value) > limit:
            return Rejected(name, line, f"{field_name} longer than {limit} characters")
    try:
        published = parse_published(fields["published_at"] or None)
    except ValueError as error:
        return Rejected(name, line, str(error))
    too_late = future_date(published, options)
    if too_late:
        return Rejected(name, line, too_late)
    return Article(outlet=outlet, text=text, title=title, url=url, published=published,
                   id=given_id, source=display_name(name), source_line=line, ingested_at=_now())


def _dated(article: Record, published: PartialDate | None, options: ReadOptions) -> Record:
    """An article from a reader that finds the date itself (seed header, feed item, page): same future check."""
    if not isinstance(article, Article):
        return article
    too_late = future_date(published, options)
    if too_late:
        return Rejected(article.source or "", article.source_line, too_late)
    article.published = published
    return article


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
    yield _dated(build_article(record, replace(options, outlet=outlet, field_map={}), name, 1), published, options)


# --- JSONL and CSV --------------------------------------------------------------------------------------------


def capped_lines(stream: IO[bytes], cap: int) -> Iterator[tuple[int, bytes | None]]:
    """Numbered physical lines, each read with a cap: a longer line is never held whole (None stands for it, and
    the rest of it is skipped in pieces), so a 1 GB line costs what a short one does."""
    number = 0
    while True:
        raw = stream.readline(cap + 1)
        if not raw:
            return
        number += 1
        if len(raw) > cap and not raw.endswith(b"\n"):
            while True:
                rest = stream.readline(1 << 20)
                if not rest or rest.endswith(b"\n"):
                    break
            yield number, None
            continue
        yield number, raw


def read_jsonl(name: str, stream: IO[bytes], options: ReadOptions) -> Iterator[Record]:
    for number, raw in capped_lines(stream, options.max_line_bytes):
        if raw is None:
            yield Rejected(name, number, f"line longer than {options.max_line_bytes} bytes")
            continue
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
        except RecursionError:
            yield Rejected(name, number, "broken JSON: nested too deeply")
            continue
        except ValueError as error:  # an integer of more digits than Python converts (int_max_str_digits)
            yield Rejected(name, number, f"broken JSON: {error}")
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
    lines = _Lines(stream, options.max_line_bytes)
    reader = csv.reader(lines)
    try:
        header = next(reader)
    except StopIteration:
        yield Rejected(name, 1, "empty CSV file")
        return
    except csv.Error as error:  # e.g. a quote opened in the header and never closed (found by atheris)
        yield Rejected(name, 1, f"bad CSV header: {error}")
        return
    if lines.bad:
        yield Rejected(name, 1, f"bad CSV header: {lines.bad}")
        return
    wanted = {options.column(f) for f in ("text",)}
    missing = [c for c in wanted if c not in header]
    if missing:
        yield Rejected(name, 1, f"CSV header lacks column(s) {', '.join(missing)} (use --map field=column)")
        return
    while True:
        start_line, lines.quotes, lines.bad = lines.number + 1, 0, None
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            reason = (f"a field larger than {options.max_article_bytes} bytes" if "field limit" in str(error)
                      else f"bad CSV row: {error}")
            # the csv module resumes at the next line, which may still be inside the bad record's field
            lines.skip_open_field()
            skipped = f" (lines {start_line}-{lines.number} skipped)" if lines.number > start_line else ""
            yield Rejected(name, start_line, reason + skipped)
            continue
        if lines.bad:  # the row was parsed from a stand-in for the bad line, so the rest of the file reads on
            yield Rejected(name, start_line, lines.bad)
            continue
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            yield Rejected(name, start_line, f"row has {len(row)} columns, the header has {len(header)}")
            continue
        yield build_article(dict(zip(header, row, strict=True)), options, name, start_line)


_LONE_CR = re.compile(rb"(?<=\r)(?!\n)")


class _Lines:
    """The CSV file's physical lines for the csv module: numbered, each decoded as UTF-8 on its own (a bad line
    marks its record, with its real line number, and is handed on with U+FFFD so parsing goes on), read with a
    cap, and counting the quotes of the record being read, so that after a bad record the rest of its open quoted
    field can be skipped."""

    def __init__(self, stream: IO[bytes], cap: int) -> None:
        self.lines = capped_lines(stream, cap)
        self.cap, self.number, self.quotes = cap, 0, 0
        self.bad: str | None = None
        self.pending: list[bytes] = []  # the rest of a line split at a lone CR

    def __iter__(self) -> _Lines:
        return self

    def _raw(self) -> bytes | None:
        if self.pending:
            return self.pending.pop(0)
        _, raw = next(self.lines)
        if raw is not None and b"\r" in raw.rstrip(b"\r\n"):  # a lone CR ends a line too (old Mac files)
            raw, *rest = (part for part in _LONE_CR.split(raw) if part)
            self.pending = rest
        return raw

    def __next__(self) -> str:
        raw = self._raw()
        self.number += 1
        if raw is None:
            self.bad = self.bad or f"line {self.number} longer than {self.cap} bytes"
            line = "\n"
        else:
            try:
                line = raw.decode("utf-8-sig" if self.number == 1 else "utf-8")
            except UnicodeDecodeError as error:
                self.bad = self.bad or (f"undecodable bytes on line {self.number} at column {error.start + 1} "
                                        "(not UTF-8)")
                line = raw.decode("utf-8", "replace")
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


_ITEM_START = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:item|entry)[\s/>]")
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.IGNORECASE)
ENTITIES_REFUSED = "the feed declares XML entities (refused: entity expansion is a memory bomb)"


class _EnoughItems(Exception):
    pass


class _EntityDeclared(Exception):
    pass


def guard_feed(data: bytes, max_items: int) -> tuple[bytes, bool] | str:
    """What feedparser may see of a feed, and whether it was cut, or why the feed is refused.

    feedparser parses a whole document and falls back to a loose parser that expands declared entities once
    expat has refused them; so a streaming expat pass (no DTD, no entity declarations: defusedxml's rule) looks
    first, stops at the item past the cap and closes the elements still open there. A feed expat cannot parse is
    cut before that item's start tag (the loose parser takes a truncated document)."""
    if _ENTITY_DECL.search(data):
        return ENTITIES_REFUSED
    parser = xml.parsers.expat.ParserCreate()
    parser.SetParamEntityParsing(xml.parsers.expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack: list[str] = []
    count = 0
    cut_at = -1

    def start(tag: str, _attributes: Any) -> None:
        nonlocal count, cut_at
        if tag.rsplit(":", 1)[-1] in ("item", "entry") and len(stack) <= 3:
            count += 1
            if count > max_items:
                cut_at = parser.CurrentByteIndex
                raise _EnoughItems
        stack.append(tag)

    def end(_tag: str) -> None:
        if stack:
            stack.pop()

    def entity(*_args: Any) -> None:
        raise _EntityDeclared

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.EntityDeclHandler = entity
    parser.UnparsedEntityDeclHandler = entity
    try:
        parser.Parse(data, True)
    except _EnoughItems:
        encoding = "utf-16" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8"
        closing = "".join(f"</{tag}>" for tag in reversed(stack)).encode(encoding)
        return data[:cut_at] + closing.removeprefix(b"\xff\xfe").removeprefix(b"\xfe\xff"), True
    except _EntityDeclared:
        return ENTITIES_REFUSED
    except (xml.parsers.expat.ExpatError, ValueError):
        for number, match in enumerate(_ITEM_START.finditer(data), start=1):
            if number > max_items:
                return data[: match.start()], True
    return data, False


def read_feed(name: str, data: bytes, options: ReadOptions) -> Iterator[Record]:
    import feedparser

    guarded = guard_feed(data, options.max_feed_items)
    if isinstance(guarded, str):
        yield Rejected(name, 0, guarded)
        return
    data, cut = guarded
    try:  # a stream, never bytes: feedparser would open bytes that name a local file
        parsed = feedparser.parse(io.BytesIO(data))
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
        yield _dated(build_article(record, replace(options, outlet=outlet, field_map={}), name, index), published,
                     options)
    if cut or len(parsed.entries) > options.max_feed_items:
        yield Rejected(name, 0, f"feed has more than {options.max_feed_items} items; only the first "
                                f"{options.max_feed_items} read")


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
    yield _dated(build_article(record, replace(options, outlet=outlet or "unknown", field_map={}), name, 1),
                 published, options)


FORMATS = ("seed", "jsonl", "csv", "rss", "html")
FIELD_NAMES = FIELDS

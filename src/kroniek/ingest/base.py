"""What every reader shares: options, the rejected-record report and the reader signature."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from kroniek.model import Article

FIELDS = ("id", "outlet", "url", "title", "text", "published_at")

# What the store's columns can hold (store/schema.py): the configured limits may be lower, never higher.
SCHEMA_MAX_ID_CHARS = 64
SCHEMA_MAX_OUTLET_CHARS = 200


@dataclass
class ReadOptions:
    outlet: str | None = None
    field_map: dict[str, str] = field(default_factory=dict)  # kroniek field -> column name in the input
    max_article_bytes: int = 2_000_000
    max_html_bytes: int = 5_000_000
    max_html_depth: int = 250
    max_feed_items: int = 5_000
    fetch_timeout_s: float = 15.0
    fetch_max_bytes: int = 10_000_000
    max_redirects: int = 5
    max_line_bytes: int = 10_000_000  # one JSONL line or one physical CSV line, read with this cap
    max_id_chars: int = SCHEMA_MAX_ID_CHARS
    max_outlet_chars: int = SCHEMA_MAX_OUTLET_CHARS
    max_url_chars: int = 2_000
    max_title_chars: int = 2_000
    max_future_days: int = 2  # a publication date later than today + this is refused (time zones, clock skew)

    def column(self, name: str) -> str:
        return self.field_map.get(name, name)


LIMIT_KEYS = ("max_article_bytes", "max_html_bytes", "max_html_depth", "max_feed_items", "fetch_timeout_s",
              "fetch_max_bytes", "max_redirects", "max_line_bytes", "max_id_chars", "max_outlet_chars",
              "max_url_chars", "max_title_chars", "max_future_days")

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def display_name(path: str) -> str:
    """A path as reports print and the store keeps it: bytes that are not UTF-8 (kept by Python as lone
    surrogates) become U+FFFD, and control characters are escaped, so a file name cannot forge a report line."""
    text = path.encode("utf-8", "surrogateescape").decode("utf-8", "replace") if _has_surrogate(path) else path
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


@dataclass(frozen=True)
class Rejected:
    """A record that could not be stored, reported as ``PATH:LINE: reason``."""

    path: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        return f"{display_name(self.path)}:{self.line if self.line is not None else 0}: {display_name(self.reason)}"


Record = Article | Rejected


@dataclass(frozen=True)
class Source:
    """One input: a file path, a URL, or ``-`` for stdin, with the raw bytes once opened."""

    name: str  # what error messages print: the path or URL
    data: bytes
    folder: str | None = None  # the file's parent folder name (the seed format's default outlet)


Reader = Callable[[Source, ReadOptions], Iterator[Record]]

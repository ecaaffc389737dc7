"""What every reader shares: options, the rejected-record report and the reader signature."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from kroniek.model import Article

FIELDS = ("id", "outlet", "url", "title", "text", "published_at")


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

    def column(self, name: str) -> str:
        return self.field_map.get(name, name)


@dataclass(frozen=True)
class Rejected:
    """A record that could not be stored, reported as ``PATH:LINE: reason``."""

    path: str
    line: int | None
    reason: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line if self.line is not None else 0}: {self.reason}"


Record = Article | Rejected


@dataclass(frozen=True)
class Source:
    """One input: a file path, a URL, or ``-`` for stdin, with the raw bytes once opened."""

    name: str  # what error messages print: the path or URL
    data: bytes
    folder: str | None = None  # the file's parent folder name (the seed format's default outlet)


Reader = Callable[[Source, ReadOptions], Iterator[Record]]

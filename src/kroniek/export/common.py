"""What every exporter shares: paging through the canonical events without loading them all."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kroniek.store.query import get_story, list_events, list_stories
from kroniek.store.repository import Store

PAGE = 500


def iter_events(store: Store, happened_only: bool = True) -> Iterator[dict[str, Any]]:
    offset = 0
    while True:
        page = list_events(store, limit=PAGE, offset=offset)
        if not page:
            return
        for event in page:
            if event.get("happened", True) or not happened_only:
                yield event
        offset += len(page)


def iter_stories(store: Store) -> Iterator[dict[str, Any]]:
    offset = 0
    while True:
        page = list_stories(store, limit=PAGE, offset=offset, events_per_story=0)  # ids; get_story has the rest
        if not page:
            return
        for story in page:
            full = get_story(store, story["id"])
            if full is not None:
                yield full
        offset += len(page)


def figure(event: dict[str, Any], kind: str) -> int | None:
    """The coded (most conservative) value of one figure kind for an event, summed over distinct groups."""
    values = [row.get("coded") for row in event.get("figures", []) if row.get("kind") == kind]
    numbers = [v for v in values if isinstance(v, int)]
    return sum(numbers) if numbers else None

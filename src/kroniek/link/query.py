"""Read-side queries over linked events and stories, shared by the CLI, the API and the exporters."""

from __future__ import annotations

from typing import Any

from kroniek.store.repository import Store


def list_events(store: Store, limit: int | None = None) -> list[dict[str, Any]]:
    return []


def list_stories(store: Store, limit: int | None = None) -> list[dict[str, Any]]:
    return []

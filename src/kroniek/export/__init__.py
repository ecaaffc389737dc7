"""Exporters: each is ``write(store, stream, options=None) -> ExportReport`` writing the store's events in one
format; ``options`` (an ``ExportOptions``) defaults to what ``/api/export/{fmt}`` serves, and its ``filters``
(the event list's filters; the story list's for ``json``) select what is written."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any, TextIO

from kroniek.store.repository import Store

Exporter = Callable[..., Any]  # (store, stream, options=None) -> ExportReport | None

FORMATS = {"acled": "kroniek.export.acled:write", "plover": "kroniek.export.plover:write",
           "plover-jsonl": "kroniek.export.plover:write_jsonl", "polecat": "kroniek.export.plover:write_polecat",
           "geojson": "kroniek.export.geojson:write", "json": "kroniek.export.stories:write"}


class _Registry(dict[str, Exporter]):
    def __contains__(self, key: object) -> bool:
        return key in FORMATS

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(FORMATS)

    def __missing__(self, fmt: str) -> Exporter:
        module, name = FORMATS[fmt].split(":")
        writer: Exporter = getattr(importlib.import_module(module), name)
        self[fmt] = writer
        return writer


EXPORTERS: dict[str, Exporter] = _Registry()


def export(store: Store, fmt: str, stream: TextIO, options: Any = None) -> Any:
    """Run one exporter; returns its ``ExportReport`` (None for the story JSON)."""
    return EXPORTERS[fmt](store, stream, options)

"""Exporters: each module has ``write(store, stream)`` writing the store's events in one format."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TextIO

from kroniek.store.repository import Store

Exporter = Callable[[Store, TextIO], None]

FORMATS = {"acled": "kroniek.export.acled", "plover": "kroniek.export.plover",
           "geojson": "kroniek.export.geojson", "json": "kroniek.export.stories"}


class _Registry(dict[str, Exporter]):
    def __contains__(self, key: object) -> bool:
        return key in FORMATS

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(FORMATS)

    def __missing__(self, fmt: str) -> Exporter:
        writer: Exporter = importlib.import_module(FORMATS[fmt]).write
        self[fmt] = writer
        return writer


EXPORTERS: dict[str, Exporter] = _Registry()

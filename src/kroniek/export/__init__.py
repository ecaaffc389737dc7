"""Exporters: each writes the store's events in one format to a text stream."""

from __future__ import annotations

from collections.abc import Callable
from typing import TextIO

from kroniek.store.repository import Store

Exporter = Callable[[Store, TextIO], None]

EXPORTERS: dict[str, Exporter] = {}

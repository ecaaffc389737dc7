"""Ingest: readers for every input format and the driver that streams them into the store."""

from kroniek.ingest.base import ReadOptions, Rejected, Source
from kroniek.ingest.driver import IngestReport, ingest_paths, read_records

__all__ = ["IngestReport", "ReadOptions", "Rejected", "Source", "ingest_paths", "read_records"]

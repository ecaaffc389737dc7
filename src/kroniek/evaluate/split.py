"""Tune and check: every development set is split deterministically by document.

Rules and vocabulary are changed by reading errors on **tune** only; **check** prints scores and nothing that
shows a sentence, so it stays a fair estimate of text nobody has read. A document's side follows from a hash of
its key (an EventDNA id, the ordinal of a CoNLL ``-DOCSTART-`` block), about 60 % tune; story sets carry their
side per article (a date stretch each, written by ``bench/gold/make_story_eval.py``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

SPLITS = ("all", "tune", "check")
TUNE_SHARE = 60  # percent of the documents
_SALT = "kroniek-dev-split-1"  # changing it reshuffles every split: never, once figures are quoted

T = TypeVar("T")


class CheckSplitError(ValueError):
    """Something was asked of the check split that would show its text."""


def side_of(key: str) -> str:
    """"tune" or "check" for a document key, the same on every machine and Python."""
    digest = hashlib.sha256(f"{_SALT}:{key}".encode()).digest()
    return "tune" if int.from_bytes(digest[:4], "big") % 100 < TUNE_SHARE else "check"


def select(items: Iterable[T], key: Callable[[T], str], split: str) -> list[T]:
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}, not {split!r}")
    return [item for item in items if split == "all" or side_of(key(item)) == split]


def guard(split: str, predictions: Path | None, errors: int) -> None:
    """The check split prints scores only: no prediction file, no error listing."""
    if split == "check" and (predictions is not None or errors):
        raise CheckSplitError("the check split prints scores only: --predictions and --errors need --split tune")
    if errors and split != "tune":
        raise CheckSplitError("errors are listed for the tune split only: add --split tune")

"""Scorers for the stages, each beside the stage it scores in spirit: ``kroniek eval ner|events|stories``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from kroniek.config import Settings

Evaluator = Callable[[Path, Path | None, Settings], dict[str, Any]]

EVALUATORS: dict[str, Evaluator] = {}

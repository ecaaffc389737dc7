"""Scorers: ``kroniek eval ner|events|stories``. Each lives in its own module with an ``evaluate`` function."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

# evaluate(file, predictions, settings, split="all", errors=0, figures=None) -> result
Evaluator = Callable[..., dict[str, Any]]

_MODULES = {"ner": "kroniek.evaluate.ner", "events": "kroniek.evaluate.events", "stories": "kroniek.evaluate.stories"}


class _Registry(dict[str, Evaluator]):
    def __missing__(self, kind: str) -> Evaluator:
        module = importlib.import_module(_MODULES[kind])
        evaluator: Evaluator = module.evaluate
        self[kind] = evaluator
        return evaluator


EVALUATORS: dict[str, Evaluator] = _Registry()

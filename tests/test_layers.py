"""The folder layout is the pipeline: a stage imports only stages upstream of it, and serve and export read the
store and the read model, never a stage. Checked on the source, so a new import that breaks the order fails here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "kroniek"
ORDER = ["ingest", "analyse", "extract", "link", "reconcile"]
# What each package may import from kroniek besides the shared modules (model, config, stages, jsonio, store).
SHARED = {"model", "config", "stages", "jsonio", "store"}
ALLOWED = {stage: set(ORDER[:i]) | SHARED for i, stage in enumerate(ORDER)}
ALLOWED["store"] = {"model", "config", "jsonio", "stages"}  # the read model (store/query.py) included
ALLOWED["export"] = set(SHARED)
ALLOWED["serve"] = SHARED | {"export", "ingest"}  # POST /api/articles stores articles as `kroniek ingest` does


def kroniek_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("kroniek."):
            found.add(node.module.removeprefix("kroniek."))
        elif isinstance(node, ast.Import):
            found.update(a.name.removeprefix("kroniek.") for a in node.names if a.name.startswith("kroniek."))
    return found


def violations(package: str) -> list[str]:
    allowed = ALLOWED[package]
    bad = []
    for path in sorted((PACKAGE / package).rglob("*.py")):
        for module in kroniek_imports(path):
            top = module.split(".")[0]
            if top == package or module in allowed or top in allowed:
                continue
            bad.append(f"{path.relative_to(PACKAGE)} imports kroniek.{module}")
    return bad


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_packages_import_only_upstream(package: str) -> None:
    assert violations(package) == []


def test_the_checker_sees_a_wrong_import(tmp_path: Path) -> None:
    module = tmp_path / "x.py"
    module.write_text("from kroniek.extract.cues import needs_deep\nimport kroniek.link.stage\n", encoding="utf-8")
    assert kroniek_imports(module) == {"extract.cues", "link.stage"}


def test_the_pipeline_hands_the_analysis_its_triage() -> None:
    """The analysis learns which sentences deserve Frog from whoever builds it; the pipeline gives it the extract
    stage's cues, and a different selector is a different cache key."""
    from kroniek.analyse.pipeline import Analyser, AnalysisOptions, Batch, triage
    from kroniek.analyse.stage import AnalyseStage
    from kroniek.config import load_settings
    from kroniek.extract.cues import needs_deep
    from kroniek.model import Document, Sentence
    from kroniek.pipeline import default_stages, make_analyser

    analyse = default_stages()[0]
    assert isinstance(analyse, AnalyseStage) and analyse.select is not None
    text = "Titel\n\nHet weer was mooi. De politie arresteerde drie mannen."
    doc = Document("a", text, "nl", [Sentence(0, 5), Sentence(7, 25), Sentence(26, len(text))])
    with make_analyser(load_settings()) as analyser:
        assert analyser.select is not None and needs_deep(text[26:])
        batch = Batch([], [doc])
        triage(analyser, batch)
        assert batch.deep_sentences == [[0, 2]]
        chosen = analyser.select.version
    lead_only = Analyser(AnalysisOptions(deep="triage"))
    batch = Batch([], [doc])
    triage(lead_only, batch)
    assert batch.deep_sentences == [[0]]
    assert chosen not in lead_only.version

"""``kroniek eval events``: the shared scorer's conventions (asserted, positive gold; places by content word;
figures as F1), the tune/check split and what the check split refuses to show. Documents are our own sentences."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from conftest import SHARED
from kroniek.evaluate.events import content_words, gold_of, run_shared_scorer, score, screen_reach
from kroniek.evaluate.split import CheckSplitError, guard, select, side_of


def doc(doc_id: str, sentences: list[str], events: list[dict[str, Any]]) -> dict[str, Any]:
    spans, text = [], ""
    for sentence in sentences:
        if text:
            text += " "
        spans.append([len(text), len(text) + len(sentence)])
        text += sentence
    return {"id": doc_id, "text": text, "sentences": spans, "events": events}


def event(kind: str, sentence: int, modality: str = "Asserted", polarity: str = "Positive",
          place: str | None = None) -> dict[str, Any]:
    main, _, sub = kind.partition("/")
    arguments = [{"role": "Place", "text": place}] if place else []
    return {"type": main, "subtype": sub, "sentence": sentence, "modality": modality, "polarity": polarity,
            "arguments": arguments}


DOCS = [
    doc("a", ["Agenten arresteerden twee mannen in Gent.", "Een betoging zou volgende week volgen."],
        [event("Justice/ArrestJail", 0, place="in Gent"), event("Conflict/Demonstrate", 1, modality="Other")]),
    doc("b", ["In het dorp Hove vielen drie doden.", "Niemand raakte gewond."],
        [event("Life/Die", 0, place="het dorp Hove"), event("Life/Injure", 1, polarity="Negative")]),
]


def test_only_asserted_positive_events_are_gold() -> None:
    types, places = gold_of(DOCS[0])
    assert types == {0: {"Justice/ArrestJail"}}
    assert places == [(0, "Justice/ArrestJail", "in Gent")]
    assert gold_of(DOCS[1])[0] == {0: {"Life/Die"}}


def test_a_place_is_right_when_a_content_word_is_shared() -> None:
    assert content_words("in het dorp Hove") == {"dorp", "hove"}
    predictions = [
        {"id": "a", "sentences": [{"index": 0, "types": ["Justice/ArrestJail"]}], "places": [
            {"sentence": 0, "text": "Gent"}], "figures": []},
        {"id": "b", "sentences": [{"index": 0, "types": ["Life/Die"]}, {"index": 1, "types": ["Life/Injure"]}],
         "places": [{"sentence": 0, "text": "de kerk"}], "figures": [
             {"sentence": 0, "kind": "killed", "value": 3}, {"sentence": 0, "kind": "injured", "value": 2}]},
    ]
    figures = {("b", 0, "killed", 3), ("a", 0, "killed", 9)}
    result = score(DOCS, predictions, figures)
    assert result["place_accuracy"] == 0.5
    assert result["types"]["Life/Injure"]["predicted"] == 1 and result["types"]["Life/Injure"]["f1"] == 0.0
    assert result["types"]["Justice/ArrestJail"]["f1"] == 1.0
    assert result["figures"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "gold": 2, "predicted": 2}
    assert "errors" not in result
    listed = score(DOCS, predictions, figures, errors=5)["errors"]
    assert listed["Life/Injure false positive"][0]["text"] == "Niemand raakte gewond."
    assert listed["figure missed"][0]["value"] == 9


@pytest.mark.skipif(not (SHARED / "eval" / "events_score.py").exists(), reason="needs ../shared/eval")
def test_our_scores_are_the_shared_scorers() -> None:
    predictions = [
        {"id": "a", "sentences": [{"index": 1, "types": ["Conflict/Demonstrate"]}], "places": [], "figures": []},
        {"id": "b", "sentences": [{"index": 0, "types": ["Life/Die"]}], "places": [
            {"sentence": 0, "text": "Hove"}], "figures": [{"sentence": 0, "kind": "killed", "value": 3}]},
    ]
    figures = {("b", 0, "killed", 3), ("elders", 0, "killed", 5)}  # a record of a document not scored here
    ours = score(DOCS, predictions, figures)
    theirs = run_shared_scorer(SHARED / "eval" / "events_score.py", DOCS, predictions, figures)
    assert ours["figures"]["f1"] == 1.0
    assert theirs["macro_f1"] == pytest.approx(ours["macro_f1"], abs=0.001)
    assert theirs["place_acc"] == pytest.approx(ours["place_accuracy"], abs=0.001)
    assert theirs["figures_f1"] == pytest.approx(ours["figures"]["f1"], abs=0.001)


def test_the_split_is_deterministic_and_about_sixty_forty() -> None:
    keys = [f"doc-{i}" for i in range(2000)]
    sides = [side_of(k) for k in keys]
    assert sides == [side_of(k) for k in keys]
    assert 0.55 < sides.count("tune") / len(sides) < 0.65
    tune, check = select(keys, str, "tune"), select(keys, str, "check")
    assert not set(tune) & set(check) and len(tune) + len(check) == len(keys)
    assert select(keys, str, "all") == keys


def test_the_check_split_shows_no_sentences(tmp_path: Path) -> None:
    with pytest.raises(CheckSplitError):
        guard("check", tmp_path / "pred.jsonl", 0)
    with pytest.raises(CheckSplitError):
        guard("check", None, 5)
    with pytest.raises(CheckSplitError):
        guard("all", None, 5)
    guard("tune", tmp_path / "pred.jsonl", 5)
    guard("check", None, 0)


def test_the_cli_refuses_errors_on_check(tmp_path: Path) -> None:
    gold = tmp_path / "dev.jsonl"
    gold.write_text("".join(json.dumps(d) + "\n" for d in DOCS), encoding="utf-8")
    kroniek = shutil.which("kroniek") or str(Path(sys.executable).parent / "kroniek")
    done = subprocess.run([kroniek, "eval", "events", str(gold), "--split", "check", "--errors", "3"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert "scores only" in done.stderr


def test_screen_reach_counts_the_gold_sentences_the_triage_selects() -> None:
    """A gold event sentence without any trigger word is one the screen misses; a sentence with an arrest verb and
    one with no event at all are told apart."""
    documents = [doc("r", ["De politie heeft gisteren drie jongeren gearresteerd.", "Het weer was zonnig en warm.",
                           "Het liep daarna uit de hand in de binnenstad."],
                     [event("Justice/ArrestJail", 0), event("Conflict/Attack", 2)])]
    reach = screen_reach(documents)
    assert reach["gold_sentences"] == 2 and reach["sentences"] == 3
    assert reach["gold_selected"] == 0.5  # the arrest, not the vague "liep uit de hand"
    assert reach["selected"] == round(1 / 3, 3)

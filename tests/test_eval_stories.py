"""The story scorer: B³ and pairwise on hand-made gold, and the whole ``evaluate`` path on a tiny file."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kroniek.config import load_settings
from kroniek.evaluate.stories import b_cubed, evaluate, pairwise


def test_perfect_and_all_singletons() -> None:
    gold = {"a": "1", "b": "1", "c": "2"}
    assert b_cubed(gold, gold)["f1"] == 1.0 and pairwise(gold, gold)["f1"] == 1.0
    singles = {k: k for k in gold}
    assert pairwise(gold, singles)["f1"] == 0.0
    assert b_cubed(gold, singles)["precision"] == 1.0
    assert b_cubed(gold, singles)["recall"] == pytest.approx((0.5 + 0.5 + 1) / 3, abs=1e-4)


def test_one_wrong_merge() -> None:
    gold = {"a": "1", "b": "1", "c": "2", "d": "3"}
    predicted = {"a": "x", "b": "x", "c": "x", "d": "y"}
    pairs = pairwise(gold, predicted)
    assert (pairs["precision"], pairs["recall"], pairs["gold_pairs"], pairs["predicted_pairs"]) == (
        pytest.approx(1 / 3, abs=1e-4), 1.0, 1, 3)
    b3 = b_cubed(gold, predicted)
    assert b3["recall"] == 1.0 and b3["precision"] == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1) / 4, abs=1e-4)


ROWS = [
    {"id": "n1", "outlet": "NOS", "title": "Dijk bij Culemborg doorgebroken",
     "text": "Bij Culemborg is de Lekdijk woensdagavond over een lengte van twintig meter doorgebroken. "
             "Waterschap Rivierenland evacueert de Culemborgse wijk Terweijde.", "published_at": "2024-02-07",
     "story": "dijk"},
    {"id": "n2", "outlet": "Gelderlander", "title": "Wijk Terweijde geëvacueerd na dijkdoorbraak Culemborg",
     "text": "Na de doorbraak van de Lekdijk bij Culemborg heeft waterschap Rivierenland de wijk Terweijde "
             "laten evacueren. Bewoners worden opgevangen in een sporthal.", "published_at": "2024-02-07T21:10",
     "story": "dijk"},
    {"id": "n3", "outlet": "NOS", "title": "Feyenoord wint de beker",
     "text": "Feyenoord heeft de KNVB-beker gewonnen door in De Kuip met 3-1 van NEC te winnen.",
     "published_at": "2024-02-07", "story": "beker"},
    {"id": "n4", "outlet": "AD", "title": "Nieuwe burgemeester Zwolle",
     "text": "De gemeenteraad van Zwolle draagt wethouder Ed Anker voor als nieuwe burgemeester van de stad.",
     "published_at": "2024-02-06"},
]


def test_evaluate_end_to_end(tmp_path: Path) -> None:
    gold_file = tmp_path / "gold.jsonl"
    gold_file.write_text("\n".join(json.dumps(r) for r in ROWS) + "\n", encoding="utf-8")
    out = tmp_path / "pred.jsonl"
    result = evaluate(gold_file, out, load_settings())
    assert result["articles"] == 4 and result["gold_stories"] == 3
    assert result["pairwise"]["f1"] == 1.0 and result["b_cubed"]["f1"] == 1.0
    assert "pairwise" in result["summary"] and "B³" in result["summary"]
    predictions = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [p["id"] for p in predictions] == ["n4", "n1", "n3", "n2"]  # published_at order (a day sorts first)
    story = {p["id"]: p["story"] for p in predictions}
    assert story["n1"] == story["n2"] != story["n3"]


def test_the_tfidf_baseline_joins_alike_articles_and_keeps_others_apart() -> None:
    from kroniek.evaluate.stories import tfidf_single_pass

    labels = tfidf_single_pass(ROWS, threshold=0.2)
    assert labels["n1"] == labels["n2"] and len({labels["n1"], labels["n3"], labels["n4"]}) == 3
    assert len(set(tfidf_single_pass(ROWS, threshold=0.0).values())) == 1  # every cosine is at least 0
    assert len(set(tfidf_single_pass(ROWS, threshold=1.01).values())) == 4


def test_pairwise_without_big_stories_leaves_their_articles_out() -> None:
    from kroniek.evaluate.stories import without_big_stories

    gold = {f"b{i}": "big" for i in range(10)} | {"x": "s", "y": "s", "z": "t"}
    predicted = {f"b{i}": "p" for i in range(10)} | {"x": "q", "y": "r", "z": "p"}
    small, count, pairs = without_big_stories(gold, predicted)
    assert (count, pairs) == (1, 45)
    assert small["gold_pairs"] == 1 and small["correct_pairs"] == 0 and small["recall"] == 0.0


def test_per_genre_counts_wrong_and_missed_pairs_under_both_genres() -> None:
    from kroniek.evaluate.stories import per_genre

    gold = {"a": "1", "b": "1", "c": "2", "d": "3"}
    predicted = {"a": "x", "b": "y", "c": "y", "d": "z"}
    genres = {"a": "news", "b": "opinion", "c": "letters", "d": "news"}
    table = per_genre(gold, predicted, genres)
    assert table["news"] == {"articles": 2, "wrong_pairs": 0, "missed_pairs": 1, "wrong_articles": 0,
                             "missed_articles": 1}
    assert table["opinion"]["wrong_pairs"] == 1 and table["opinion"]["missed_pairs"] == 1
    assert table["letters"]["wrong_pairs"] == 1 and table["letters"]["missed_pairs"] == 0


def test_tune_lists_errors_with_titles_and_check_refuses(tmp_path: Path) -> None:
    from kroniek.evaluate.split import CheckSplitError

    rows = [dict(r, split="tune", genre="news") for r in ROWS]
    rows[2] = dict(rows[2], story="dijk")  # the cup final labelled with the dike: a join kroniek must miss
    gold_file = tmp_path / "gold.jsonl"
    gold_file.write_text("\n".join(json.dumps(r) for r in rows) + "\n", encoding="utf-8")
    result = evaluate(gold_file, None, load_settings(), split="tune", errors=5)
    assert "tf-idf" in result["summary"] and "without big stories" in result["summary"]
    assert "missed joins" in result["summary"] and "Feyenoord wint de beker" in result["summary"]
    assert result["genre_source"] == "gold" and result["per_genre"]["news"]["missed_pairs"] >= 2
    assert result["tfidf_baseline"]["pairwise"]["gold_pairs"] == 3
    with pytest.raises(CheckSplitError):
        evaluate(gold_file, None, load_settings(), split="check", errors=5)

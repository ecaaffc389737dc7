"""``kroniek eval ner``: the conlleval-style scorer and the --predictions file, on a tiny hand-made CoNLL file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from kroniek.config import load_settings
from kroniek.evaluate import ner
from kroniek.evaluate.ner import GoldSentence, error_kinds, read_conll, score, spans, write_predictions

# Two articles of my own, CoNLL-2002 layout (token, POS, IOB tag).
CONLL = """\
-DOCSTART- -DOCSTART- O
Minister N O
Janssens N B-PER
bezocht V O
gisteren Adv O
Gent N B-LOC
. Punc O

De Art O
Zwaluw N B-ORG
protesteerde V O
in Prep O
Antwerpen N B-LOC
. Punc O

-DOCSTART- -DOCSTART- O
Persbureau N O
Belga N B-ORG
meldt V O
dat Conj O
de Art O
Italiaanse Adj B-MISC
renner N O
won V O
. Punc O
"""

# What a Frog stand-in says about each word: (part of speech, NER tag).
FROG = {
    "Janssens": ("SPEC(deeleigen)", "B-PER"),
    "Gent": ("SPEC(deeleigen)", "B-LOC"),
    "Zwaluw": ("N(soort,ev,basis,zijd,stan)", "O"),
    "Antwerpen": ("SPEC(deeleigen)", "B-LOC"),
    "Belga": ("SPEC(deeleigen)", "B-PER"),
    "Italiaanse": ("ADJ(prenom,basis,met-e,stan)", "B-LOC"),
    "Minister": ("N(soort,ev,basis,zijd,stan)", "O"),
    "Persbureau": ("N(soort,ev,basis,zijd,stan)", "O"),
}


def fake_deep_analyse(_analyser: Any, batch: Any) -> None:
    """Tags the gold tokens the way Frog would, without Frog."""
    for doc in batch.documents:
        for sentence in doc.sentences:
            for token in sentence.tokens:
                token.pos, token.ner = FROG.get(token.text, ("N(soort,ev,basis,zijd,stan)", "O"))
            sentence.deep = True


@pytest.fixture
def conll_file(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.conll"
    path.write_text(CONLL, encoding="utf-8")
    return path


def test_spans_follow_conlleval() -> None:
    assert spans(["B-PER", "I-PER", "O", "B-LOC"]) == {(0, 2, "PER"), (3, 4, "LOC")}
    # An I- tag after O, or of another type, starts a chunk; B- always does.
    assert spans(["O", "I-ORG", "I-ORG", "I-LOC", "B-LOC", "I-LOC"]) == {(1, 3, "ORG"), (3, 4, "LOC"), (4, 6, "LOC")}
    assert spans([]) == set()


def test_score_counts_exact_spans_only() -> None:
    gold = [["B-PER", "I-PER", "O", "B-LOC"], ["B-ORG", "O", "B-MISC"]]
    predicted = [["B-PER", "O", "O", "B-LOC"], ["B-ORG", "O", "B-LOC"]]
    result = score(gold, predicted)
    # PER: the half span is both a false positive and a false negative.
    assert result["PER"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "gold": 1, "predicted": 1}
    assert result["LOC"]["precision"] == 0.5 and result["LOC"]["recall"] == 1.0
    assert result["ORG"]["f1"] == 1.0
    assert result["MISC"]["recall"] == 0.0
    # PER+LOC+ORG: tp 2 (LOC, ORG), fp 2 (PER part, LOC for MISC), fn 1 (PER).
    main = result["PER+LOC+ORG"]
    assert (main["precision"], main["recall"], main["f1"]) == (0.5, 0.6667, 0.5714)
    assert (main["gold"], main["predicted"]) == (3, 4)


def test_error_kinds_count_every_wrong_span() -> None:
    document = [GoldSentence(["Jan", "Peeters", "woont", "in", "Gent"], ["B-PER", "I-PER", "O", "O", "B-LOC"]),
                GoldSentence(["De", "Raad", "vergadert"], ["O", "B-ORG", "O"])]
    predicted = [["B-PER", "O", "O", "B-ORG", "B-ORG"], ["B-MISC", "I-MISC", "O"]]
    # "Jan" for "Jan Peeters": missed and spurious; "in" spurious; "Gent" typed ORG; "De Raad" for "Raad".
    assert error_kinds(document, predicted) == {"missed": 2, "spurious": 3, "type": 1}


def test_read_conll_splits_articles_and_sentences(conll_file: Path) -> None:
    documents = list(read_conll(conll_file))
    assert [len(d) for d in documents] == [2, 1]
    assert documents[0][0].tokens == ["Minister", "Janssens", "bezocht", "gisteren", "Gent", "."]
    assert documents[0][0].tags == ["O", "B-PER", "O", "O", "B-LOC", "O"]


def test_write_predictions_format(tmp_path: Path) -> None:
    path = tmp_path / "out.tsv"
    write_predictions(path, [["Jan", "slaapt"], ["."]], [["B-PER", "O"], ["O"]])
    assert path.read_text(encoding="utf-8") == "Jan\tB-PER\nslaapt\tO\n\n.\tO\n\n"


def test_evaluate_end_to_end(conll_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kroniek.analyse.pipeline.deep_analyse", fake_deep_analyse)
    out = tmp_path / "predictions.tsv"
    result = ner.evaluate(conll_file, out, load_settings())
    # Janssens (minister X), Gent, Antwerpen, Belga (persbureau X, although the tagger said PER) are right;
    # the unknown club "Zwaluw" that the tagger missed is a false negative; "Italiaanse" is MISC.
    assert result["PER"]["f1"] == 1.0
    assert result["LOC"]["f1"] == 1.0
    assert (result["ORG"]["precision"], result["ORG"]["recall"]) == (1.0, 0.5)
    assert result["MISC"]["f1"] == 1.0
    main = result["PER+LOC+ORG"]
    assert (main["precision"], main["recall"], main["f1"]) == (1.0, 0.8, 0.8889)
    assert result["sentences"] == 3 and result["tokens"] == 21
    assert "PER+LOC+ORG" in result["summary"]
    json.dumps({k: v for k, v in result.items() if k != "summary"})

    # --predictions: one token<TAB>tag line per input token, a blank line after each sentence, input order.
    blocks = out.read_text(encoding="utf-8").split("\n\n")
    assert blocks[-1] == ""
    rows = [[line.split("\t") for line in block.split("\n")] for block in blocks[:-1]]
    gold = [sentence for document in read_conll(conll_file) for sentence in document]
    assert [[token for token, _tag in row] for row in rows] == [s.tokens for s in gold]
    assert rows[0] == [["Minister", "O"], ["Janssens", "B-PER"], ["bezocht", "O"], ["gisteren", "O"],
                       ["Gent", "B-LOC"], [".", "O"]]
    assert rows[1][1] == ["Zwaluw", "O"]
    assert rows[2][1] == ["Belga", "B-ORG"]
    assert rows[2][5] == ["Italiaanse", "B-MISC"]

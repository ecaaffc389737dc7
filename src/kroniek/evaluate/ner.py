"""``kroniek eval ner FILE``: span-level micro-F1 (conlleval style) of the entity layer on CoNLL-2002 data.

Each ``-DOCSTART-`` block becomes one Document whose sentences are the gold sentences (tokens joined by spaces),
so the entity layer sees the same document context it sees in production; the text goes through the real path
(Frog service, alignment, entity clean-up), and predicted entity spans are mapped back onto the gold tokens.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kroniek.analyse.entities import find_entities
from kroniek.analyse.pipeline import Analyser, AnalysisOptions
from kroniek.config import Settings
from kroniek.evaluate.split import guard, select
from kroniek.model import Document, Sentence, Token

TYPES = ("PER", "LOC", "ORG", "MISC")
MAIN_TYPES = ("PER", "LOC", "ORG")


@dataclass
class GoldSentence:
    tokens: list[str]
    tags: list[str]


def read_conll(path: Path) -> Iterator[list[GoldSentence]]:
    """Documents of gold sentences, split on -DOCSTART- lines (a file without them is one document)."""
    document: list[GoldSentence] = []
    tokens: list[str] = []
    tags: list[str] = []
    with path.open(encoding="utf-8", errors="replace") as handle:
        for line in handle:
            parts = line.split()
            if not parts:
                if tokens:
                    document.append(GoldSentence(tokens, tags))
                    tokens, tags = [], []
                continue
            if parts[0] == "-DOCSTART-":
                if tokens:
                    document.append(GoldSentence(tokens, tags))
                    tokens, tags = [], []
                if document:
                    yield document
                document = []
                continue
            tokens.append(parts[0])
            tags.append(parts[-1] if len(parts) > 1 else "O")
    if tokens:
        document.append(GoldSentence(tokens, tags))
    if document:
        yield document


def spans(tags: list[str]) -> set[tuple[int, int, str]]:
    """conlleval chunks: an I- tag of a new type, or after O, starts a chunk too."""
    found: set[tuple[int, int, str]] = set()
    start: int | None = None
    label = ""
    for index, tag in enumerate([*tags, "O"]):
        prefix, _, kind = tag.partition("-")
        if start is not None and (tag == "O" or prefix == "B" or kind != label):
            found.add((start, index, label))
            start = None
        if tag != "O" and start is None:
            start, label = index, kind
    return found


def _build_document(sentences: list[GoldSentence]) -> tuple[Document, list[list[tuple[int, int]]]]:
    text_parts: list[str] = []
    offsets: list[list[tuple[int, int]]] = []
    model_sentences: list[Sentence] = []
    cursor = 0
    for gold in sentences:
        start = cursor
        token_offsets = []
        tokens = []
        for word in gold.tokens:
            token_offsets.append((cursor, cursor + len(word)))
            tokens.append(Token(word, cursor, cursor + len(word), word.lower()))
            text_parts.append(word + " ")
            cursor += len(word) + 1
        text_parts[-1] = text_parts[-1][:-1] + "\n\n"
        model_sentences.append(Sentence(start, cursor - 1, tokens))
        cursor += 1
        offsets.append(token_offsets)
    return Document("conll", "".join(text_parts), "nl", model_sentences), offsets


def predict(analyser: Analyser, sentences: list[GoldSentence]) -> list[list[str]]:
    from kroniek.analyse.pipeline import Batch, deep_analyse

    document, offsets = _build_document(sentences)
    batch = Batch([], [document], [list(range(len(document.sentences)))])
    deep_analyse(analyser, batch)
    entities = find_entities(document)
    predicted: list[list[str]] = []
    for index, token_offsets in enumerate(offsets):
        tags = ["O"] * len(token_offsets)
        for entity in (e for e in entities if e.sentence == index):
            inside = [k for k, (s, e) in enumerate(token_offsets) if s >= entity.start and e <= entity.end]
            for position, k in enumerate(inside):
                tags[k] = ("B-" if position == 0 else "I-") + entity.label
        predicted.append(tags)
    return predicted


def span_errors(document: list[GoldSentence], predicted: list[list[str]], limit: int) -> list[dict[str, Any]]:
    """Up to ``limit`` wrong spans (missed, spurious or mistyped), with their sentence."""
    found: list[dict[str, Any]] = []
    for gold, tags in zip(document, predicted, strict=True):
        gold_spans = {(s, e): t for s, e, t in spans(gold.tags)}
        mine = {(s, e): t for s, e, t in spans(tags)}
        for key in sorted(set(gold_spans) | set(mine)):
            if gold_spans.get(key) == mine.get(key):
                continue
            error = "missed" if key not in mine else "spurious" if key not in gold_spans else "type"
            found.append({"error": error, "span": " ".join(gold.tokens[key[0]:key[1]]),
                          "gold": gold_spans.get(key, "-"), "predicted": mine.get(key, "-"),
                          "sentence": " ".join(gold.tokens)})
            if len(found) >= limit:
                return found
    return found


def error_kinds(document: list[GoldSentence], predicted: list[list[str]]) -> Counter[str]:
    """How many wrong spans of each kind (missed, spurious, type) a document has, all of them."""
    return Counter(e["error"] for e in span_errors(document, predicted, limit=10**9))


def write_predictions(path: Path, token_rows: list[list[str]], tag_rows: list[list[str]]) -> None:
    """One ``token<TAB>tag`` line per input token, a blank line after each sentence, in input order."""
    with path.open("w", encoding="utf-8") as out:
        for tokens, tags in zip(token_rows, tag_rows, strict=True):
            out.writelines(f"{token}\t{tag}\n" for token, tag in zip(tokens, tags, strict=True))
            out.write("\n")


def score(gold: list[list[str]], predicted: list[list[str]]) -> dict[str, Any]:
    counts: Counter[tuple[str, str]] = Counter()
    for gold_tags, predicted_tags in zip(gold, predicted, strict=True):
        gold_spans, predicted_spans = spans(gold_tags), spans(predicted_tags)
        for kind in TYPES:
            g = {s for s in gold_spans if s[2] == kind}
            p = {s for s in predicted_spans if s[2] == kind}
            counts[kind, "tp"] += len(g & p)
            counts[kind, "fp"] += len(p - g)
            counts[kind, "fn"] += len(g - p)

    def prf(tp: int, fp: int, fn: int) -> dict[str, float | int]:
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
                "gold": tp + fn, "predicted": tp + fp}

    result: dict[str, Any] = {kind: prf(counts[kind, "tp"], counts[kind, "fp"], counts[kind, "fn"])
                              for kind in TYPES}
    result["PER+LOC+ORG"] = prf(*(sum(counts[k, m] for k in MAIN_TYPES) for m in ("tp", "fp", "fn")))
    result["all"] = prf(*(sum(counts[k, m] for k in TYPES) for m in ("tp", "fp", "fn")))
    return result


def evaluate(file: Path, predictions: Path | None, settings: Settings, split: str = "all", errors: int = 0,
             **_ignored: Any) -> dict[str, Any]:
    guard(split, predictions, errors)
    options = AnalysisOptions.from_settings(settings.section("analyse"))
    options.deep = "all"
    started = time.perf_counter()
    gold_tags: list[list[str]] = []
    predicted_tags: list[list[str]] = []
    token_rows: list[list[str]] = []
    with Analyser(options) as analyser:
        # a document's side follows from its ordinal in the file (the -DOCSTART- blocks)
        documents = select(enumerate(read_conll(file)), lambda pair: f"conll:{file.name}:{pair[0]}", split)
        listed: list[dict[str, Any]] = []
        kinds: Counter[str] = Counter()
        for _ordinal, document in documents:
            tags = predict(analyser, document)
            predicted_tags.extend(tags)
            gold_tags.extend(s.tags for s in document)
            token_rows.extend(s.tokens for s in document)
            if errors:
                listed.extend(span_errors(document, tags, errors - len(listed)))
                kinds.update(error_kinds(document, tags))
    seconds = time.perf_counter() - started
    result = score(gold_tags, predicted_tags)
    result["split"] = split
    result["documents"] = len(documents)
    result["sentences"] = len(gold_tags)
    result["tokens"] = sum(len(t) for t in token_rows)
    result["seconds"] = round(seconds, 1)
    if predictions is not None:
        write_predictions(predictions, token_rows, predicted_tags)
    lines = [f"{'type':<12} {'prec':>6} {'rec':>6} {'F1':>6} {'gold':>6}"]
    for kind in (*TYPES, "PER+LOC+ORG", "all"):
        row = result[kind]
        lines.append(f"{kind:<12} {row['precision']:>6.3f} {row['recall']:>6.3f} {row['f1']:>6.3f} {row['gold']:>6}")
    lines.append(f"split {split}: {result['documents']} documents, {result['sentences']} sentences, "
                 f"{result['tokens']} tokens in {result['seconds']} s")
    if errors:
        result["errors"] = listed
        result["error_kinds"] = {kind: kinds[kind] for kind in ("missed", "spurious", "type")}
        lines.append(f"\n## errors ({len(listed)} listed; all: missed {kinds['missed']}, spurious "
                     f"{kinds['spurious']}, type {kinds['type']})")
        lines.extend(f"- {e['error']}: {e['span']!r} gold {e['gold']} predicted {e['predicted']} · {e['sentence']}"
                     for e in listed)
    result["summary"] = "\n".join(lines)
    return result

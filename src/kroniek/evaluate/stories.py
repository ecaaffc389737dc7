"""``kroniek eval stories FILE``: B³ and pairwise precision/recall/F1 of story clustering.

FILE is JSONL in the ingest schema (id, outlet, url, title, text, published_at) plus ``story``, the gold label (an
article without a label is a story of its own). The articles are clustered through the real path: stored in an
empty temporary SQLite store in ``published_at`` order (file order breaks ties), analysed cheaply when the analyser
is available (``[link] eval_analyse``: "shallow" = no Frog, "settings" = as configured, "none"), then the link
stage. Pairwise F1 is the figure that matters: most articles are alone in their story, so B³ flatters.
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from kroniek.config import Settings
from kroniek.evaluate.split import SPLITS, guard
from kroniek.model import Article, PartialDate

log = logging.getLogger("kroniek.evaluate.stories")


def read_gold(file: Path) -> list[dict[str, Any]]:
    rows = []
    with file.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            if not isinstance(row, dict):
                raise ValueError(f"{file}:{number}: not a JSON object")
            row["_line"] = number
            rows.append(row)
    return rows


def to_article(row: Mapping[str, Any]) -> Article:
    published = row.get("published_at")
    return Article(outlet=str(row.get("outlet") or "unknown"), text=str(row.get("text") or ""),
                   title=str(row.get("title") or ""), url=row.get("url") or None,
                   published=PartialDate.parse(str(published)) if published else None,
                   id=str(row.get("id") or ""), source="eval", source_line=int(row.get("_line") or 0))


def gold_labels(rows: list[dict[str, Any]], ids: list[str]) -> dict[str, str]:
    labels = {}
    for row, article_id in zip(rows, ids, strict=True):
        label = row.get("story")
        labels[article_id] = f"gold:{label}" if label not in (None, "") else f"single:{article_id}"
    return labels


def b_cubed(gold: Mapping[str, str], predicted: Mapping[str, str]) -> dict[str, float]:
    gold_members: dict[str, set[str]] = defaultdict(set)
    pred_members: dict[str, set[str]] = defaultdict(set)
    for item, label in gold.items():
        gold_members[label].add(item)
    for item in gold:
        pred_members[predicted[item]].add(item)
    precision = recall = 0.0
    for item in gold:
        g, p = gold_members[gold[item]], pred_members[predicted[item]]
        both = len(g & p)
        precision += both / len(p)
        recall += both / len(g)
    n = len(gold) or 1
    return _prf(precision / n, recall / n)


def pairwise(gold: Mapping[str, str], predicted: Mapping[str, str]) -> dict[str, float]:
    def pairs(labels: Mapping[str, str]) -> set[tuple[str, str]]:
        groups: dict[str, list[str]] = defaultdict(list)
        for item in gold:
            groups[labels[item]].append(item)
        found: set[tuple[str, str]] = set()
        for members in groups.values():
            members.sort()
            found.update((a, b) for i, a in enumerate(members) for b in members[i + 1:])
        return found

    gold_pairs, pred_pairs = pairs(gold), pairs(predicted)
    both = len(gold_pairs & pred_pairs)
    precision = both / len(pred_pairs) if pred_pairs else 1.0
    recall = both / len(gold_pairs) if gold_pairs else 1.0
    result = _prf(precision, recall)
    result.update({"gold_pairs": len(gold_pairs), "predicted_pairs": len(pred_pairs), "correct_pairs": both})
    return result


def _prf(precision: float, recall: float) -> dict[str, float]:
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4)}


def cluster_articles(articles: list[Article], settings: Settings) -> tuple[dict[str, str], dict[str, Any]]:
    """Story id per article id, clustered from an empty temporary store through the pipeline stages."""
    from kroniek.link.stage import LinkStage
    from kroniek.store.repository import Store

    info: dict[str, Any] = {"analysed": False}
    with tempfile.TemporaryDirectory(prefix="kroniek-eval-") as folder:
        store = Store.open(f"sqlite:///{Path(folder) / 'eval.db'}")
        try:
            for start in range(0, len(articles), 500):
                store.ingest_batch(articles[start:start + 500])
            mode = str(settings.get("link", "eval_analyse", "shallow"))
            if mode != "none":
                started = time.perf_counter()
                info["analysed"] = _analyse(store, settings, mode)
                info["analyse_seconds"] = round(time.perf_counter() - started, 2)
            started = time.perf_counter()
            report = LinkStage().run(store, settings)
            seconds = time.perf_counter() - started
            info["link_seconds"] = round(seconds, 2)
            info["ms_per_article"] = round(1000 * seconds / max(len(articles), 1), 2)
            info["link_counts"] = report.counts
            with store.engine.connect() as conn:
                from sqlalchemy import select

                from kroniek.store import schema

                rows = conn.execute(select(schema.story_articles.c.article_id, schema.story_articles.c.story_id))
                predicted = {row.article_id: row.story_id for row in rows}
        finally:
            store.close()
    return predicted, info


def _analyse(store: Any, settings: Settings, mode: str) -> bool:
    try:
        from kroniek.analyse.stage import AnalyseStage
        from kroniek.config import Settings as SettingsClass

        data = dict(settings.data)
        if mode == "shallow":
            data["analyse"] = dict(settings.section("analyse"), deep="none")
        AnalyseStage().run(store, SettingsClass(data))
        return True
    except Exception as exc:  # clustering works on raw text too; say so instead of failing the evaluation
        log.warning("analysis skipped in the story evaluation: %s", exc)
        return False


def evaluate(file: Path, predictions: Path | None, settings: Settings, split: str = "all", errors: int = 0,
             **_ignored: Any) -> dict[str, Any]:
    guard(split, predictions, errors)
    rows = read_gold(file)
    if split != "all":
        unsplit = [row["_line"] for row in rows if row.get("split") not in SPLITS[1:]]
        if unsplit:
            raise ValueError(f"{file}:{unsplit[0]}: no split field (tune or check); story sets are split by date "
                             "stretch, see bench/gold/make_story_eval.py")
        rows = [row for row in rows if row["split"] == split]
    indexed = sorted(enumerate(rows), key=lambda pair: (str(pair[1].get("published_at") or ""), pair[0]))
    rows = [row for _, row in indexed]
    articles = [to_article(row) for row in rows]
    ids = [a.id for a in articles]
    duplicates = [i for i, c in Counter(ids).items() if c > 1]
    if duplicates:
        raise ValueError(f"{file}: duplicate article ids: {', '.join(duplicates[:5])}")
    gold = gold_labels(rows, ids)
    predicted_raw, info = cluster_articles(articles, settings)
    predicted = {i: predicted_raw.get(i, f"unlinked:{i}") for i in ids}
    if predictions is not None:
        with predictions.open("w", encoding="utf-8") as out:
            for article_id in ids:
                out.write(json.dumps({"id": article_id, "story": predicted[article_id]}, ensure_ascii=False) + "\n")
    b3 = b_cubed(gold, predicted)
    pairs = pairwise(gold, predicted)
    singles = {i: f"single:{i}" for i in ids}
    baseline = {"b_cubed_f1": b_cubed(gold, singles)["f1"], "pairwise_f1": 0.0}
    link = settings.section("link")
    used = {k: v for k, v in sorted(link.items()) if k.startswith("story_")}
    result: dict[str, Any] = {
        "file": str(file), "articles": len(ids), "gold_stories": len(set(gold.values())),
        "predicted_stories": len(set(predicted.values())), "b_cubed": b3, "pairwise": pairs,
        "all_singletons": baseline, "settings": used, **info,
    }
    result["summary"] = (
        f"{len(ids)} articles, {result['gold_stories']} gold stories, {result['predicted_stories']} predicted\n"
        f"B³        precision {b3['precision']:.3f}  recall {b3['recall']:.3f}  F1 {b3['f1']:.3f}\n"
        f"pairwise  precision {pairs['precision']:.3f}  recall {pairs['recall']:.3f}  F1 {pairs['f1']:.3f}"
        f"  ({pairs['correct_pairs']}/{pairs['predicted_pairs']} predicted pairs right, "
        f"{pairs['gold_pairs']} gold pairs)\n"
        f"all-singletons baseline: B³ F1 {baseline['b_cubed_f1']:.3f}, pairwise F1 0.000\n"
        f"link stage {info.get('ms_per_article', 0):.1f} ms/article"
        + ("" if info.get("analysed") else " (articles not analysed: raw-text features)")
    )
    return result

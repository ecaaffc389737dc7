"""``kroniek eval stories FILE``: B³ and pairwise precision/recall/F1 of story clustering.

FILE is JSONL in the ingest schema (id, outlet, url, title, text, published_at) plus ``story``, the gold label (an
article without a label is a story of its own). The articles are clustered through the real path: stored in an
empty temporary SQLite store in ``published_at`` order (file order breaks ties), analysed cheaply when the analyser
is available (``[link] eval_analyse``: "shallow" = no Frog, "settings" = as configured, "none"), then the link
stage. Pairwise F1 is the figure that matters: most articles are alone in their story, so B³ flatters.

Every run also clusters the same articles with a plain TF-IDF single pass (``tfidf_single_pass``, its threshold
fixed on tune) and prints both, with pairwise F1 again without the gold stories of ``BIG_STORY`` or more articles
(two such stories hold most pairs of a stretch), B³, and the wrong and missed joins per genre (the gold genre where
the file has one, else ``kroniek.link.genre``'s; counts only). ``--errors N`` (tune only) lists the costliest wrong
merges and missed joins with their titles.
"""

from __future__ import annotations

import json
import logging
import math
import re
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


# --- the TF-IDF single-pass baseline ----------------------------------------------------------------------------

# The baseline's cosine threshold, fixed on the tune stretch (dpg2019 2019-03-22..04-07, 664 articles): the best
# pairwise F1 of a sweep from 0.05 to 0.90 in steps of 0.025 (``baseline_sweep``: 0.175 gives 0.577, 0.20 0.646,
# 0.225 0.620, 0.25 0.528; below 0.15 everything merges); never set on check.
BASELINE_THRESHOLD = 0.20
BASELINE_CHARS = 1000  # of the text, after the title
BIG_STORY = 10  # gold stories of this many articles and more are left out of the second pairwise figure

_BASELINE_WORD = re.compile(r"[^\W\d_]{2,}")


def tfidf_single_pass(rows: list[dict[str, Any]], threshold: float = BASELINE_THRESHOLD) -> dict[str, str]:
    """A plain single-pass clustering, the yardstick of every story figure: each article (title + the first
    1,000 characters, lowercase words, sublinear tf × smoothed idf over the evaluated articles, L2-normalised) in
    the given order joins the cluster whose centroid (the sum of its members' vectors) is nearest by cosine when
    that cosine reaches ``threshold``, else starts a cluster. No names, no dates, no embedding."""
    docs = [Counter(_BASELINE_WORD.findall(f"{row.get('title') or ''} {str(row.get('text') or '')[:BASELINE_CHARS]}"
                                           .lower())) for row in rows]
    df: Counter[str] = Counter()
    for counts in docs:
        df.update(counts.keys())
    n = len(docs)
    idf = {t: math.log((1 + n) / (1 + c)) + 1.0 for t, c in df.items()}
    centroids: list[dict[str, float]] = []
    postings: dict[str, set[int]] = defaultdict(set)
    labels: dict[str, str] = {}
    for row, counts in zip(rows, docs, strict=True):
        vector = {t: (1.0 + math.log(c)) * idf[t] for t, c in counts.items()}
        norm = math.sqrt(sum(v * v for v in vector.values())) or 1.0
        vector = {t: v / norm for t, v in vector.items()}
        best, best_score = -1, 0.0
        for index in sorted({i for t in vector for i in postings.get(t, ())}):
            centroid = centroids[index]
            dot = sum(v * centroid.get(t, 0.0) for t, v in vector.items())
            score = dot / (math.sqrt(sum(v * v for v in centroid.values())) or 1.0)
            if score > best_score:
                best, best_score = index, score
        if best < 0 or best_score < threshold:
            centroids.append({})
            best = len(centroids) - 1
        centroid = centroids[best]
        for term, value in vector.items():
            centroid[term] = centroid.get(term, 0.0) + value
            postings[term].add(best)
        labels[str(row.get("id") or "")] = f"baseline:{best}"
    return labels


def baseline_sweep(rows: list[dict[str, Any]], gold: Mapping[str, str]) -> list[tuple[float, float]]:
    """Pairwise F1 of the baseline for thresholds 0.05..0.90 (how BASELINE_THRESHOLD was chosen, on tune)."""
    found = []
    for step in range(2, 37):
        threshold = round(step * 0.025, 3)
        found.append((threshold, pairwise(gold, tfidf_single_pass(rows, threshold))["f1"]))
    return found


# --- reporting --------------------------------------------------------------------------------------------------


def without_big_stories(gold: Mapping[str, str], predicted: Mapping[str, str],
                        size: int = BIG_STORY) -> tuple[dict[str, float], int, int]:
    """Pairwise scores over the articles outside gold stories of ``size`` or more; with the number of such stories
    and of the gold pairs they hold."""
    sizes = Counter(gold.values())
    big = {label for label, count in sizes.items() if count >= size}
    kept = {i: g for i, g in gold.items() if g not in big}
    pairs = sum(sizes[label] * (sizes[label] - 1) // 2 for label in big)
    return pairwise(kept, {i: predicted[i] for i in kept}), len(big), pairs


def _pairs(labels: Mapping[str, str], items: list[str]) -> set[tuple[str, str]]:
    groups: dict[str, list[str]] = defaultdict(list)
    for item in items:
        groups[labels[item]].append(item)
    found: set[tuple[str, str]] = set()
    for members in groups.values():
        members.sort()
        found.update((a, b) for i, a in enumerate(members) for b in members[i + 1:])
    return found


def per_genre(gold: Mapping[str, str], predicted: Mapping[str, str],
              genres: Mapping[str, str]) -> dict[str, dict[str, int]]:
    """Per genre: articles, wrong joins and missed joins. A wrong (missed) pair counts once under each distinct
    genre of its two articles; ``wrong_articles`` (``missed_articles``) count the articles with at least one."""
    items = list(gold)
    gold_pairs, pred_pairs = _pairs(gold, items), _pairs(predicted, items)
    table: dict[str, dict[str, int]] = {}
    for item in items:
        row = table.setdefault(genres.get(item) or "?", {"articles": 0, "wrong_pairs": 0, "missed_pairs": 0,
                                                          "wrong_articles": 0, "missed_articles": 0})
        row["articles"] += 1
    for kind, pairs in (("wrong", pred_pairs - gold_pairs), ("missed", gold_pairs - pred_pairs)):
        touched: set[str] = set()
        for a, b in pairs:
            for genre in {genres.get(a) or "?", genres.get(b) or "?"}:
                table[genre][f"{kind}_pairs"] += 1
            touched.update((a, b))
        for item in touched:
            table[genres.get(item) or "?"][f"{kind}_articles"] += 1
    return dict(sorted(table.items(), key=lambda kv: (-kv[1]["articles"], kv[0])))


def genres_of(rows: list[dict[str, Any]], ids: list[str]) -> tuple[dict[str, str], str]:
    """The gold genre of every article where the file has one for all of them, else the recognised genre."""
    if rows and all(row.get("genre") for row in rows):
        return {i: str(row["genre"]) for row, i in zip(rows, ids, strict=True)}, "gold"
    return recognised_genres(rows, ids), "recognised"


def recognised_genres(rows: list[dict[str, Any]], ids: list[str]) -> dict[str, str]:
    """``kroniek.link.genre`` on every article, a title counting as printed before once an earlier one had it."""
    from kroniek.link.features import title_key
    from kroniek.link.genre import recognise

    seen: set[str] = set()
    found = {}
    for row, article_id in zip(rows, ids, strict=True):
        key = title_key(str(row.get("title") or ""))
        found[article_id] = recognise(str(row.get("title") or ""), str(row.get("text") or ""),
                                      seen_title=bool(key) and key in seen).name
        if key:
            seen.add(key)
    return found


def genre_agreement(gold: Mapping[str, str], found: Mapping[str, str]) -> dict[str, Any]:
    """Accuracy of the recognised genres against gold ones, and per gold genre: articles, right, and what the
    wrong ones were taken for (counts only)."""
    table: dict[str, dict[str, Any]] = {}
    for article_id, genre in gold.items():
        row = table.setdefault(genre, {"articles": 0, "right": 0, "taken_for": Counter()})
        row["articles"] += 1
        if found[article_id] == genre:
            row["right"] += 1
        else:
            row["taken_for"][found[article_id]] += 1
    right = sum(row["right"] for row in table.values())
    return {"accuracy": round(right / max(len(gold), 1), 4),
            "per_genre": {g: dict(r, taken_for=dict(r["taken_for"].most_common())) for g, r in
                          sorted(table.items(), key=lambda kv: -kv[1]["articles"])}}


def error_listing(rows: list[dict[str, Any]], ids: list[str], gold: Mapping[str, str],
                  predicted: Mapping[str, str], genres: Mapping[str, str], limit: int) -> str:
    """Wrong merges (a predicted story holding several gold stories) and missed joins (a gold story spread over
    several predicted ones), the costliest in pairs first, with titles. Tune only (``guard``)."""
    info = {i: row for row, i in zip(rows, ids, strict=True)}

    def line(article_id: str) -> str:
        row = info[article_id]
        return (f"      {article_id} {str(row.get('published_at') or '')[:10]} [{genres.get(article_id, '?')}] "
                f"{str(row.get('title') or '')[:90]!r} ({len(str(row.get('text') or ''))} chars)")

    def groups(outer: Mapping[str, str], inner: Mapping[str, str]) -> list[tuple[int, list[list[str]]]]:
        members: dict[str, list[str]] = defaultdict(list)
        for article_id in ids:
            members[outer[article_id]].append(article_id)
        found = []
        for group in members.values():
            parts: dict[str, list[str]] = defaultdict(list)
            for article_id in group:
                parts[inner[article_id]].append(article_id)
            if len(parts) > 1:
                sizes = [len(p) for p in parts.values()]
                cost = (sum(sizes) ** 2 - sum(s * s for s in sizes)) // 2
                found.append((cost, sorted(parts.values(), key=lambda p: (-len(p), p[0]))))
        found.sort(key=lambda item: (-item[0], item[1][0][0]))
        return found

    out = []
    for title, outer, inner, word in (("wrong merges (one predicted story, several gold stories)", predicted, gold,
                                       "gold"),
                                      ("missed joins (one gold story, several predicted stories)", gold, predicted,
                                       "predicted")):
        found = groups(outer, inner)
        out.append(f"{title}: {len(found)}")
        for cost, parts in found[:limit]:
            out.append(f"  {cost} pairs")
            for number, part in enumerate(parts, 1):
                out.append(f"    {word} story {number}:")
                out.extend(line(article_id) for article_id in part)
    return "\n".join(out)


def _ratio(ours: float, theirs: float) -> str:
    return f"{ours / theirs:.2f}×" if theirs else "–"


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
    started = time.perf_counter()
    baseline_rows = [dict(row, id=article_id) for row, article_id in zip(rows, ids, strict=True)]
    tfidf = tfidf_single_pass(baseline_rows)
    baseline_seconds = time.perf_counter() - started
    scores: dict[str, dict[str, Any]] = {}
    for name, labels in (("kroniek", predicted), ("tfidf", tfidf)):
        small, big_count, big_pairs = without_big_stories(gold, labels)
        scores[name] = {"b_cubed": b_cubed(gold, labels), "pairwise": pairwise(gold, labels),
                        "pairwise_small": small, "predicted_stories": len(set(labels.values()))}
    genres, genre_source = genres_of(rows, ids)
    genre_table = per_genre(gold, predicted, genres)
    agreement = genre_agreement(genres, recognised_genres(rows, ids)) if genre_source == "gold" else None
    b3, pairs = scores["kroniek"]["b_cubed"], scores["kroniek"]["pairwise"]
    singles = {i: f"single:{i}" for i in ids}
    baseline = {"b_cubed_f1": b_cubed(gold, singles)["f1"], "pairwise_f1": 0.0}
    link = settings.section("link")
    used = {k: v for k, v in sorted(link.items()) if k.startswith("story_")}
    result: dict[str, Any] = {
        "file": str(file), "split": split, "articles": len(ids), "gold_stories": len(set(gold.values())),
        "predicted_stories": len(set(predicted.values())), "b_cubed": b3, "pairwise": pairs,
        "pairwise_small": scores["kroniek"]["pairwise_small"], "tfidf_baseline": scores["tfidf"],
        "tfidf_threshold": BASELINE_THRESHOLD, "big_stories": {"size": BIG_STORY, "count": big_count,
                                                               "gold_pairs": big_pairs},
        "per_genre": genre_table, "genre_source": genre_source, "genre_recogniser": agreement,
        "all_singletons": baseline, "settings": used,
        "baseline_seconds": round(baseline_seconds, 2), **info,
    }
    lines = [f"{len(ids)} articles, {result['gold_stories']} gold stories; {big_count} gold stories of "
             f"{BIG_STORY}+ articles hold {big_pairs} of the {pairs['gold_pairs']} gold pairs"]
    lines.append(f"{'':12}{'pairwise P':>11}{'R':>7}{'F1':>7}  {'F1 w/o big':>10}  {'B³ P':>6}{'R':>7}{'F1':>7}"
                 f"  stories")
    for name, label in (("kroniek", "kroniek"), ("tfidf", f"tf-idf {BASELINE_THRESHOLD:.2f}")):
        sc = scores[name]
        pw, sm, bb = sc["pairwise"], sc["pairwise_small"], sc["b_cubed"]
        lines.append(f"{label:<12}{pw['precision']:>11.3f}{pw['recall']:>7.3f}{pw['f1']:>7.3f}  {sm['f1']:>10.3f}  "
                     f"{bb['precision']:>6.3f}{bb['recall']:>7.3f}{bb['f1']:>7.3f}  {sc['predicted_stories']}")
    tf = scores["tfidf"]
    lines.append(f"kroniek vs tf-idf: pairwise F1 {pairs['f1'] - tf['pairwise']['f1']:+.3f} "
                 f"({_ratio(pairs['f1'], tf['pairwise']['f1'])}), without big stories "
                 f"{scores['kroniek']['pairwise_small']['f1'] - tf['pairwise_small']['f1']:+.3f} "
                 f"({_ratio(scores['kroniek']['pairwise_small']['f1'], tf['pairwise_small']['f1'])}), B³ F1 "
                 f"{b3['f1'] - tf['b_cubed']['f1']:+.3f} ({_ratio(b3['f1'], tf['b_cubed']['f1'])})")
    lines.append(f"kroniek pairs: {pairs['correct_pairs']}/{pairs['predicted_pairs']} predicted pairs right, "
                 f"{pairs['gold_pairs']} gold pairs; all-singletons B³ F1 {baseline['b_cubed_f1']:.3f}")
    lines.append(f"errors by genre ({genre_source}): genre articles wrong-pairs (articles) missed-pairs (articles)")
    for genre, row in genre_table.items():
        lines.append(f"  {genre:<10}{row['articles']:>5}{row['wrong_pairs']:>7} ({row['wrong_articles']})"
                     f"{row['missed_pairs']:>7} ({row['missed_articles']})")
    if agreement is not None:
        lines.append(f"genre recogniser against the gold genres: accuracy {agreement['accuracy']:.3f}; per genre "
                     + ", ".join(f"{g} {r['right']}/{r['articles']}" for g, r in agreement["per_genre"].items()))
    lines.append(f"link stage {info.get('ms_per_article', 0):.1f} ms/article"
                 + ("" if info.get("analysed") else " (articles not analysed: raw-text features)"))
    if errors:
        lines.append(error_listing(rows, ids, gold, predicted, genres, errors))
    result["summary"] = "\n".join(lines)
    return result

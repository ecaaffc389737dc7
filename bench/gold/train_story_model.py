"""Fit the learned story similarity (``src/kroniek/link/story_model.json``) on the **tune** story labels only.

    .venv/bin/python bench/gold/train_story_model.py            # writes src/kroniek/link/story_model.json
    .venv/bin/python bench/gold/train_story_model.py --dry-run  # prints the weights and the cross-validation

Run at training time only: kroniek reads the weights as data. In the manner of Miranda et al. 2018 (multilingual
streaming news clustering): the tune articles (``data/gold/dpg2019-dev2.stories.jsonl`` joined with the shared
corpus at run time, as ``make_story_eval.py`` does; nothing else of the corpus is read) are analysed and featured
exactly as ``kroniek eval stories`` does (a temporary store, the analysis with ``deep = none``, the link stage's
features and embeddings), then clustered one by one in arrival order with the **gold** decision: every article
joins its gold story when that story is live, else founds one. Before each placement the clusterer compares the
article with its candidate stories (``StoryClusterer.compare``: the same bounded candidate set and comparison as at
run time). From those comparisons:

- the **ranker** is a logistic regression without intercept on differences (gold story minus each other
  candidate, both signs), so its weights order candidates (Miranda et al. fit a rank SVM the same way);
- the **classifier** is a logistic regression on the ranker's first candidate, labelled by whether it is the
  article's gold story (an article whose story has no earlier article is a negative when it has candidates).

Round 2 (the default, ``--rounds``) adds the comparisons the fitted model meets on its own decisions (each
candidate labelled by whether most of its articles share the article's gold story) and fits again (DAgger-style),
so the classifier also sees stories it polluted; cross-fitted on tune (each block of days decided by weights
fitted on the others) it lifted pairwise F1 from about 0.59 to 0.64, a third round did not help. Both are
L2-regularised logistic regressions minimised with scipy's L-BFGS-B; C is chosen by 4-fold cross-validated
log-loss over contiguous blocks of days. ``CONSTRAINED`` would hold the similarity weights non-negative: it fitted
worse in cross-fitting, so the weights are free. Both variants are fitted: with the sentence embedding, and
without it (the embedding model not installed). Deterministic: fixed folds and start, weights rounded to 4
decimals. Run at training time only, on the machine with the shared corpus.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(ROOT / "src"))

import make_story_eval  # noqa: E402

from kroniek.config import load_settings  # noqa: E402
from kroniek.evaluate.stories import _analyse, to_article  # noqa: E402
from kroniek.link import embed  # noqa: E402
from kroniek.link.features import ArticleFeatures, FeatureOptions, extract_features  # noqa: E402
from kroniek.link.similarity import (  # noqa: E402
    CLASSIFY_FEATURES,
    FREE_FEATURES,
    MODEL_FILE,
    RANK_FEATURES,
    LinearModel,
)
from kroniek.link.stories import ClusterOptions, DocumentFrequencies, StoryClusterer, StoryModel  # noqa: E402

TUNE_LABELS = ROOT / "data" / "gold" / "dpg2019-dev2.stories.jsonl"
OUT = ROOT / "src" / "kroniek" / "link" / MODEL_FILE
C_GRID = (0.1, 0.3, 1.0, 3.0, 10.0, 30.0)
FOLDS = 4
CONSTRAINED = False  # True keeps similarity weights non-negative (FREE_FEATURES): worse in cross-fitting
ROUNDS = 2


def tune_rows(corpus: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = list(make_story_eval.build(corpus, {TUNE_LABELS: "tune"}))
    indexed = sorted(enumerate(rows), key=lambda pair: (str(pair[1].get("published_at") or ""), pair[0]))
    return [row for _, row in indexed]  # the evaluation's order


def featured(rows: list[dict[str, Any]]) -> list[ArticleFeatures]:
    """The link stage's features of every row, analysed as ``kroniek eval stories`` analyses them."""
    from kroniek.store.repository import Store

    settings = load_settings()
    section = settings.section("link")
    options = FeatureOptions.from_settings(section)
    articles = [to_article(dict(row, _line=number)) for number, row in enumerate(rows, 1)]
    with tempfile.TemporaryDirectory(prefix="kroniek-train-") as folder:
        store = Store.open(f"sqlite:///{Path(folder) / 'train.db'}")
        try:
            store.ingest_batch(articles)
            _analyse(store, settings, str(settings.get("link", "eval_analyse", "shallow")))
            found = []
            for row in rows:
                article = store.get_article(str(row["id"]))
                assert article is not None
                found.append(extract_features(article, store.document_for(article), options))
        finally:
            store.close()
    vectors = embed.embed_texts([f.lead for f in found]) if embed.available() else None
    if vectors is None:
        raise SystemExit("the sentence embedding model is not installed: run make first")
    for feature, vector in zip(found, vectors, strict=True):
        feature.embedding = vector
    return found


Example = tuple[str, list[tuple[str, dict[str, float], bool]]]  # (day, [(story, comparison, same story)])


def cluster_options() -> ClusterOptions:
    """The link settings, read without the model (the passes below set the decision themselves)."""
    return ClusterOptions.from_settings(dict(load_settings().section("link"), story_model="hand"))


def gold_pass(features: list[ArticleFeatures], gold: list[str], options: ClusterOptions | None = None) -> list[Example]:
    """Cluster with the gold decision, recording every article's comparison with its candidates."""
    clusterer = StoryClusterer(options or cluster_options(), DocumentFrequencies())
    profile_of: dict[str, str] = {}
    examples: list[Example] = []
    for feature, label in zip(features, gold, strict=True):
        seen = clusterer.observe(feature)
        compared = clusterer.compare(seen)
        target = profile_of.get(label)
        examples.append((_day(feature), [(s, v, s == target) for s, v in compared]))
        decision = clusterer.commit(seen, target)
        profile_of.setdefault(label, decision.story_id)
    return examples


def model_pass(features: list[ArticleFeatures], gold: list[str], model: StoryModel,
               options: ClusterOptions | None = None) -> list[Example]:
    """Cluster with the fitted model, recording its comparisons; a candidate is right when most of its articles
    share the article's gold story."""
    clusterer = StoryClusterer(options or cluster_options(), DocumentFrequencies())
    clusterer.model = model
    members: dict[str, list[str]] = defaultdict(list)
    examples: list[Example] = []
    for feature, label in zip(features, gold, strict=True):
        before = {s: Counter(m) for s, m in members.items()}
        decision = clusterer.assign(feature)
        assert clusterer.last_observation is not None
        examples.append((_day(feature), [(s, v, bool(before.get(s)) and before[s].most_common(1)[0][0] == label)
                                         for s, v in clusterer.last_observation.compared]))
        for old, survivor, _ in decision.merged:
            members[survivor].extend(members.pop(old, []))
        members[decision.story_id].append(label)
    return examples


def _day(feature: ArticleFeatures) -> str:
    return dt.date.fromordinal(feature.day).isoformat() if feature.day is not None else ""


def matrices(examples: list[Example], names: tuple[str, ...], ranker: LinearModel | None) -> dict[str, Any]:
    """Ranker pairs (differences, both signs) and classifier rows (the ranker's first candidate)."""
    pairs, pair_y, pair_day = [], [], []
    rows, row_y, row_day = [], [], []
    for day, compared in examples:
        if not compared:
            continue
        vectors = [np.asarray([v[f] for f in names]) for _, v, _ in compared]
        positives = [i for i, (_, _, right) in enumerate(compared) if right]
        for p in positives:
            for i, (_, _, right) in enumerate(compared):
                if not right:
                    pairs.extend([vectors[p] - vectors[i], vectors[i] - vectors[p]])
                    pair_y.extend([1, 0])
                    pair_day.extend([day, day])
        if ranker is not None:
            scores = [ranker.score(v) for _, v, _ in compared]
            first = int(np.argmax(scores))  # ties: the earlier candidate, as argmax does
            rows.append(vectors[first])
            row_y.append(1 if compared[first][2] else 0)
            row_day.append(day)
    return {"pairs": np.asarray(pairs), "pair_y": np.asarray(pair_y), "pair_day": pair_day,
            "rows": np.asarray(rows), "row_y": np.asarray(row_y), "row_day": row_day}


def _folds(days: list[str]) -> np.ndarray:
    ordered = sorted(set(days))
    fold_of = {d: i * FOLDS // max(len(ordered), 1) for i, d in enumerate(ordered)}
    return np.asarray([fold_of[d] for d in days])


class Logistic:
    """L2-regularised logistic regression by L-BFGS-B, with sign bounds: a similarity never lowers the score."""

    def __init__(self, c: float, intercept: bool, positive: np.ndarray) -> None:
        self.c, self.intercept, self.positive = c, intercept, positive
        self.coef = np.zeros(len(positive))
        self.bias = 0.0

    def fit(self, x: np.ndarray, y: np.ndarray, w: np.ndarray) -> Logistic:
        from scipy.optimize import minimize

        n_features = x.shape[1]
        sign = 2.0 * y - 1.0

        def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
            coef, bias = theta[:n_features], (theta[n_features] if self.intercept else 0.0)
            margin = sign * (x @ coef + bias)
            value = float(w @ np.logaddexp(0.0, -margin)) + 0.5 / self.c * float(coef @ coef)
            g = -w * sign * (1.0 / (1.0 + np.exp(margin)))
            grad = np.concatenate([x.T @ g + coef / self.c, [g.sum()] if self.intercept else []])
            return value, grad

        bounds = [(0.0, None) if p else (None, None) for p in self.positive] + ([(None, None)] if self.intercept
                                                                                  else [])
        start = np.zeros(n_features + (1 if self.intercept else 0))
        result = minimize(loss, start, jac=True, method="L-BFGS-B", bounds=bounds,
                          options={"maxiter": 5000, "gtol": 1e-8})
        self.coef = result.x[:n_features]
        self.bias = float(result.x[n_features]) if self.intercept else 0.0
        return self

    def probability(self, x: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(x @ self.coef + self.bias)))


def fit(x: np.ndarray, y: np.ndarray, days: list[str], intercept: bool, names: tuple[str, ...],
        weights: np.ndarray | None = None) -> tuple[Logistic, float, dict[float, float]]:
    """A logistic regression with C chosen by cross-validated log-loss over contiguous blocks of days."""
    folds = _folds(days)
    w = np.ones(len(y)) if weights is None else weights
    positive = np.asarray([CONSTRAINED and name not in FREE_FEATURES for name in names])
    losses: dict[float, float] = {}
    for c in C_GRID:
        total = 0.0
        for k in range(FOLDS):
            train, test = folds != k, folds == k
            if len(set(y[train])) < 2 or not test.any():
                continue
            model = Logistic(c, intercept, positive).fit(x[train], y[train], w[train])
            p = np.clip(model.probability(x[test]), 1e-12, 1 - 1e-12)
            total += float(-(w[test] * (y[test] * np.log(p) + (1 - y[test]) * np.log(1 - p))).sum())
        losses[c] = round(total / float(w.sum()), 5)
    best = min(C_GRID, key=lambda c: (losses[c], c))
    return Logistic(best, intercept, positive).fit(x, y, w), best, losses


def train(examples: list[Example], names_rank: tuple[str, ...], names_classify: tuple[str, ...],
          report: list[str]) -> tuple[LinearModel, LinearModel]:
    data = matrices(examples, names_rank, None)
    rank_fit, rank_c, rank_losses = fit(data["pairs"], data["pair_y"], data["pair_day"], False, names_rank)
    ranker = LinearModel(names_rank, np.round(rank_fit.coef, 4))
    pair_rows = len(data["pair_y"])
    data = matrices(examples, names_classify, ranker)
    cls_fit, cls_c, cls_losses = fit(data["rows"], data["row_y"], data["row_day"], True, names_classify)
    classifier = LinearModel(names_classify, np.round(cls_fit.coef, 4), round(cls_fit.bias, 4))
    report.append(f"  ranker: {pair_rows} difference rows, C {rank_c} "
                  f"(cv log-loss {rank_losses})")
    report.append(f"  classifier: {len(data['row_y'])} rows ({int(data['row_y'].sum())} joins), C {cls_c} "
                  f"(cv log-loss {cls_losses})")
    return ranker, classifier


def _compact(data: dict[str, Any]) -> str:
    """JSON with one line per list: a few dozen numbers stay readable."""
    lines = ["{"]
    for index, (key, value) in enumerate(data.items()):
        comma = "," if index < len(data) - 1 else ""
        if key == "variants":
            lines.append(f'  "{key}": {{')
            for v_index, (variant, models) in enumerate(value.items()):
                lines.append(f'    "{variant}": {{')
                for m_index, (name, model) in enumerate(models.items()):
                    parts = [f'"{k}": {json.dumps(x, ensure_ascii=False)}' for k, x in model.items()]
                    lines.append(f'      "{name}": {{' + ",\n        ".join(parts) + "}"
                                 + ("," if m_index < len(models) - 1 else ""))
                lines.append("    }" + ("," if v_index < len(value) - 1 else ""))
            lines.append("  }" + comma)
        else:
            lines.append(f'  "{key}": ' + json.dumps(value, ensure_ascii=False, indent=4).replace("\n", "\n  ")
                         + comma)
    lines.append("}")
    text = "\n".join(lines) + "\n"
    json.loads(text)
    return text


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=make_story_eval.DEFAULT_CORPUS)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--rounds", type=int, default=ROUNDS, help=f"default {ROUNDS}")
    parser.add_argument("--dry-run", action="store_true")
    args = parser.parse_args(argv)
    rows = tune_rows(args.corpus)
    gold = [str(row["story"]) for row in rows]
    features = featured(rows)
    report = [f"{len(rows)} tune articles, {len(set(gold))} gold stories"]
    variants: dict[str, Any] = {}
    for variant, drop in (("embedding", ()), ("no_embedding", ("embedding",))):
        names_rank = tuple(f for f in RANK_FEATURES if f not in drop)
        names_classify = tuple(f for f in CLASSIFY_FEATURES if f not in drop)
        report.append(f"{variant}:")
        examples = gold_pass(features, gold)
        ranker, classifier = train(examples, names_rank, names_classify, report)
        for number in range(2, args.rounds + 1):
            examples = examples + model_pass(features, gold, StoryModel(ranker, classifier, variant))
            report.append(f"  round {number} (the model's own decisions added):")
            ranker, classifier = train(examples, names_rank, names_classify, report)
        variants[variant] = {"ranker": ranker.to_json(), "classifier": classifier.to_json()}
    header = [
        "Learned article-story similarity of kroniek.link.similarity: a linear ranker and a logistic join",
        "classifier, in the manner of Miranda et al. 2018. Fitted by bench/gold/train_story_model.py "
        f"(--rounds {args.rounds}) on the tune story labels only",
        f"(data/gold/dpg2019-dev2.stories.jsonl: {len(rows)} dpg2019 articles 2019-03-22..04-07, labelled by the",
        "project): L2-regularised logistic regressions by scipy's L-BFGS-B, C by 4-fold cross-validation over",
        "blocks of days; round 2 adds the comparisons the round-1 model meets on its own decisions (DAgger-style).",
        "The ranker has no intercept: it orders candidates. 'embedding' is used with the sentence embedding,",
        "'no_embedding' when the embedding model is not installed. Weights only; no text of the corpus.",
    ]
    out = {"header": header, "training": report, "variants": variants}
    text = _compact(out)
    print("\n".join(report), file=sys.stderr)
    if args.dry_run:
        print(text)
        return
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)


if __name__ == "__main__":
    main()

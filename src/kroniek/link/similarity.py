"""The learned article–story similarity, in the manner of Miranda et al. 2018 ("Multilingual Clustering of
Streaming News", EMNLP): an article is compared with each candidate story on a few separate similarities, a
linear **ranker** picks the candidate, and a logistic **classifier** on the same comparison decides whether the
article joins it or starts a story of its own.

The comparison (``pair_features``), every value in [0, 1]:

- TF-IDF cosines of separate sub-vectors: all terms against the story's centroid (``text``) and against its
  nearest recent member (``member``), the words alone (``body``), the names alone (``names``), the places
  (``places``) and the title terms against the story's titles (``title``); the rarest shared title word pair
  (``phrase``) and the share of the article's strongest terms among the story's (``keywords``);
- the multilingual sentence embedding's cosine with the story's mean embedding (``embedding``, left out by the
  variant used when the model is not installed);
- time: a Gaussian of the days between the article and the story's span and its first article (σ 3 days, as
  Miranda et al.), and the story's inverse size;
- outlet, genre and length of both: same outlet, a short article, its length, whether it is opinion, a multi-item
  page or a piece with little text of its own (``kroniek.link.genre``), and the story's share of opinion;
- development, not topic: the share of the story's leading names *beyond its first* that the article names
  (``key_entities``: two pieces about the same bank share the bank's name; the same development shares the
  people, places and other parties too) and the rare names both name (``rare_names``);
- packages and short items: names shared on the same day (``same_day_names``) and by a short piece
  (``short_names``); opinion joins through its title (``opinion_title``: its main subject, not a passing mention).

The weights are data (``story_model.json``), fitted by ``bench/gold/train_story_model.py`` on the project's own
tune labels; the header of the file says how. Everything here is arithmetic on the clusterer's state, so a
decision depends only on the articles before it, in order: the same whatever the batch size.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np

from kroniek.link.features import NAME_PREFIX, ArticleFeatures, cosine, idf, top_terms
from kroniek.link.genre import MULTI_GENRES, OPINION_GENRES

if TYPE_CHECKING:
    from kroniek.link.stories import StoryProfile

RANK_FEATURES = ("text", "member", "body", "names", "places", "title", "phrase", "keywords", "embedding", "gap",
                 "oldest", "inverse_size")
CLASSIFY_FEATURES = (*RANK_FEATURES, "same_outlet", "short", "length", "opinion", "multi", "little_text",
                     "story_opinion", "key_entities", "rare_names", "same_day_names", "short_names", "opinion_title")
ALL_FEATURES = CLASSIFY_FEATURES
# Genre, length, outlet and size may move a score either way. Holding the similarities to raise it only
# (non-negative weights) fits worse in cross-fitting on tune, also for the development features alone, so the
# training script leaves every weight free (its CONSTRAINED switch).
FREE_FEATURES = frozenset({"inverse_size", "same_outlet", "short", "length", "opinion", "multi", "little_text",
                           "story_opinion"})
TIME_SIGMA_DAYS = 3.0  # Miranda et al.'s Gaussian over days
SHORT_CHARS = 600  # a short item (an update, a sidebar) in the sense
KEY_NAMES = 6  # a story's leading names: the first (the organisation, the person it is about) and five more
LITTLE_TEXT = frozenset({"caption", "recurring"})
MODEL_FILE = "story_model.json"


@dataclass
class ArticleView:
    """What every candidate comparison of one article shares, computed once."""

    features: ArticleFeatures
    vector: Mapping[str, float]
    genre: str
    words_norm: float
    names_norm: float
    title: dict[str, float]
    title_norm: float
    places: dict[str, float]
    places_norm: float
    top: list[str]
    top_mass: float
    salient: list[str]
    embedding: np.ndarray | None
    rubric: bool = False  # the title was printed before on other text


def article_view(features: ArticleFeatures, vector: Mapping[str, float], genre: str, df: Callable[[str], int],
                 n_docs: int, query_terms: int, name_rarity: float, rubric: bool = False) -> ArticleView:
    words = sum(v * v for t, v in vector.items() if not t.startswith(NAME_PREFIX))
    names = sum(v * v for t, v in vector.items() if t.startswith(NAME_PREFIX))
    title = {t: idf(df(t), n_docs) for t in features.title_terms}
    places = {t: idf(df(t), n_docs) for t in features.places if t in vector}
    top = top_terms(vector, query_terms)
    floor = name_rarity * idf(0, n_docs)
    salient = [t for t in top if t.startswith(NAME_PREFIX) and idf(df(t), n_docs) >= floor]
    embedding = None
    if features.embedding is not None:
        embedding = np.asarray(features.embedding, dtype=np.float32)
        norm = float(np.linalg.norm(embedding))
        embedding = embedding / norm if norm else embedding
    return ArticleView(features, vector, genre, math.sqrt(words), math.sqrt(names), title, _norm(title),
                       places, _norm(places), top, sum(vector[t] for t in top) or 1.0, salient, embedding, rubric)


def _norm(vector: Mapping[str, float]) -> float:
    return math.sqrt(sum(v * v for v in vector.values()))


def _gauss(days: float) -> float:
    return math.exp(-(days * days) / (2 * TIME_SIGMA_DAYS * TIME_SIGMA_DAYS))


def pair_features(view: ArticleView, story: StoryProfile, story_keys: Sequence[str], df: Callable[[str], int],
                  n_docs: int, phrase: float) -> dict[str, float]:
    """The comparison of one article with one candidate story (see the module docstring)."""
    vector = view.vector
    features = view.features
    centroid = story.centroid
    words_norm, names_norm = story.part_norms()
    dot_words = dot_names = 0.0
    for term, value in vector.items():
        other = centroid.get(term)
        if other is None:
            continue
        if term.startswith(NAME_PREFIX):
            dot_names += value * other
        else:
            dot_words += value * other
    text = (dot_words + dot_names) / (story.norm or 1.0)  # the article vector is a unit vector
    member = max((cosine(vector, m) for m in story.members), default=0.0)
    body = dot_words / ((view.words_norm * words_norm) or 1.0)
    names = dot_names / ((view.names_norm * names_norm) or 1.0)
    places = 0.0
    if view.places and story.places:
        weights = {t: c * idf(df(t), n_docs) for t, c in story.places.items()}
        places = sum(v * weights.get(t, 0.0) for t, v in view.places.items()) / (
            (view.places_norm * _norm(weights)) or 1.0)
    title = 0.0
    if view.title and story.title_terms and not view.rubric:  # a rubric title ("Column", a strip) says nothing
        weights = {t: c * idf(df(t), n_docs) for t, c in story.title_terms.items()}
        title = sum(v * weights.get(t, 0.0) for t, v in view.title.items()) / ((view.title_norm * _norm(weights))
                                                                                or 1.0)
    keys = set(story_keys)
    keywords = sum(vector[t] for t in view.top if t in keys) / view.top_mass
    embedding = 0.0
    if view.embedding is not None and story.embedding is not None:
        norm = float(np.linalg.norm(story.embedding)) or 1.0
        embedding = max(0.0, float(view.embedding @ story.embedding) / norm)
    gap = story.span_gap(features.day)
    # the gap to the span is the gap to the newest article for an article that arrives in date order; the story's
    # age at the article tells a follow-up weeks on from one of the same days
    oldest = abs(features.day - story.first_day) if features.day is not None and story.first_day is not None else 0
    count = max(story.count, 1)
    short = 1.0 if features.chars < SHORT_CHARS else 0.0
    opinion = 1.0 if view.genre in OPINION_GENRES else 0.0
    beyond = story.leading_names(KEY_NAMES)[1:]
    key_entities = sum(1 for t in beyond if t in vector) / len(beyond) if len(beyond) >= 2 else 0.0
    rare = min(sum(1 for t in view.salient if t in keys), 3) / 3.0
    same_day = 1.0 if gap == 0 else 0.0
    return {
        "text": min(text, 1.0), "member": min(member, 1.0), "body": min(body, 1.0), "names": min(names, 1.0),
        "places": min(places, 1.0), "title": min(title, 1.0), "phrase": phrase, "keywords": keywords,
        "embedding": min(embedding, 1.0), "gap": _gauss(gap), "oldest": _gauss(oldest), "inverse_size": 1.0 / min(
            count, 100), "same_outlet": 1.0 if story.outlets.get(features.outlet, 0) > 0 else 0.0, "short": short,
        "length": min(math.log1p(features.chars) / math.log(10_000), 1.0), "opinion": opinion,
        "multi": 1.0 if view.genre in MULTI_GENRES and features.genre_items >= 2 else 0.0,
        "little_text": 1.0 if view.genre in LITTLE_TEXT else 0.0,
        "story_opinion": sum(story.genres.get(g, 0) for g in OPINION_GENRES) / count,
        "key_entities": key_entities, "rare_names": rare, "same_day_names": same_day * min(names, 1.0),
        "short_names": short * min(names, 1.0), "opinion_title": opinion * min(title, 1.0),
    }


@dataclass(frozen=True)
class LinearModel:
    features: tuple[str, ...]
    weights: np.ndarray
    bias: float = 0.0

    def score(self, values: Mapping[str, float]) -> float:
        return float(self.weights @ np.fromiter((values[f] for f in self.features), dtype=np.float64,
                                                count=len(self.features))) + self.bias

    def probability(self, values: Mapping[str, float]) -> float:
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, self.score(values)))))

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> LinearModel:
        features = tuple(str(f) for f in data["features"])
        weights = np.asarray([float(w) for w in data["weights"]], dtype=np.float64)
        if len(features) != len(weights):
            raise ValueError("story model: one weight per feature")
        unknown = set(features) - set(ALL_FEATURES)
        if unknown:
            raise ValueError(f"story model: unknown features {sorted(unknown)}")
        return cls(features, weights, float(data.get("bias", 0.0)))

    def to_json(self, digits: int = 4) -> dict[str, Any]:
        return {"features": list(self.features), "weights": [round(float(w), digits) for w in self.weights],
                "bias": round(self.bias, digits)}


@dataclass(frozen=True)
class StoryModel:
    """A ranker and a join classifier; ``variant`` "embedding" or "no_embedding"."""

    ranker: LinearModel
    classifier: LinearModel
    variant: str = "embedding"


def _read(name: str) -> dict[str, Any]:
    data = json.loads(resources.files("kroniek.link").joinpath(name).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{name}: not a JSON object")
    return data


@cache
def load_model(variant: str = "embedding", name: str = MODEL_FILE) -> StoryModel:
    data = _read(name)["variants"][variant]
    return StoryModel(LinearModel.from_json(data["ranker"]), LinearModel.from_json(data["classifier"]), variant)

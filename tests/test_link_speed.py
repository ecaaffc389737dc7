"""The link stage's speed-ups give the same answers as the plain computations they replace: the batch preload of
document frequencies, the sparse cosine, and the per-article query terms that ``score`` reuses across stories."""

from __future__ import annotations

import math
import random
from collections.abc import Iterable, Mapping

from kroniek.link.features import cosine, extract_features, sparse_norm, top_terms
from kroniek.link.stories import ClusterOptions, DocumentFrequencies, StoryClusterer
from kroniek.model import Article, PartialDate


class CountingLoader:
    def __init__(self, stored: Mapping[str, int]) -> None:
        self.stored, self.calls = stored, 0

    def __call__(self, terms: Iterable[str]) -> dict[str, int]:
        self.calls += 1
        return {t: self.stored[t] for t in terms if t in self.stored}


def test_preloaded_counts_appear_only_when_asked_for() -> None:
    loader = CountingLoader({"brand": 7, "haven": 3, "loods": 2})
    df = DocumentFrequencies(10, loader)
    df.preload(["brand", "haven", "loods", "onbekend"])
    assert loader.calls == 1
    assert df.get("haven") == 0  # as before: a term no article has asked for yet counts 0
    df.prefetch(["brand", "onbekend"])
    assert loader.calls == 1  # answered from the preload
    assert (df.get("brand"), df.get("onbekend"), df.get("haven")) == (7, 0, 0)
    df.add(["brand", "haven"])
    assert (df.get("brand"), df.get("haven")) == (8, 4)
    assert loader.calls == 1
    df.drain()  # the counts are written: what was preloaded is stale and must be read again
    df.prefetch(["loods"])
    assert loader.calls == 2


def _reference_cosine(a: Mapping[str, float], b: Mapping[str, float], b_norm: float | None = None) -> float:
    small, large = (a, b) if len(a) <= len(b) else (b, a)
    dot = sum(v * large.get(t, 0.0) for t, v in small.items())
    if b_norm is None:
        return dot
    return dot / ((math.sqrt(sum(v * v for v in a.values())) * b_norm) or 1.0)


def test_cosine_is_the_same_float_as_the_plain_sum() -> None:
    rng = random.Random(3)
    words = [f"woord{i}" for i in range(300)]
    for _ in range(200):
        a = {w: rng.random() for w in rng.sample(words, rng.randrange(0, 80))}
        b = {w: rng.random() for w in rng.sample(words, rng.randrange(0, 120))}
        norm = rng.random() + 0.5
        assert cosine(a, b) == _reference_cosine(a, b)
        assert cosine(a, b, norm) == _reference_cosine(a, b, norm)
        assert cosine(a, b, norm, sparse_norm(a)) == _reference_cosine(a, b, norm)


def _article(text: str, outlet: str, title: str) -> Article:
    return Article(outlet=outlet, text=text, title=title, url=f"https://{outlet}.example/{abs(hash(text))}",
                   published=PartialDate.parse("2024-05-02"))


def test_score_reuses_query_terms_of_the_same_vector_only() -> None:
    clusterer = StoryClusterer(ClusterOptions(threshold=0.05))
    story = clusterer.assign(extract_features(_article(
        "Bij een brand in een loods in de haven van Harlingen ging kunstmest verloren. De brandweer zette "
        "blusboten in.", "LC", "Brand in havenloods Harlingen"))).story_id
    profile = clusterer.stories[story]
    near = extract_features(_article("De loods in de haven van Harlingen is na de brand verwoest. De brandweer "
                                     "bedankte de bemanning van de blusboten.", "NOS", "Havenloods verwoest"))
    other = extract_features(_article("Een schaker won het toernooi in Wijk aan Zee na een lange slotronde.",
                                      "NRC", "Schaker wint toernooi"))
    near_vector, other_vector = clusterer.vector(near), clusterer.vector(other)
    first = clusterer.score(near, near_vector, profile)
    assert clusterer.score(other, other_vector, profile) < first  # a new vector is not scored with the old terms
    assert clusterer.score(near, dict(near_vector), profile) == first  # an equal copy scores the same
    fresh = StoryClusterer(ClusterOptions(threshold=0.05))
    fresh.stories, fresh.indexed, fresh.df = clusterer.stories, clusterer.indexed, clusterer.df
    assert fresh.score(near, near_vector, profile) == first
    assert clusterer._query_of(near_vector).top == top_terms(near_vector, clusterer.options.query_terms)

"""Online story clustering: each article, in arrival order, joins the most similar live story or starts one.

Two ways to decide (``story_model``). **learned**, the default: the ``REFINE`` candidates closest by centroid
cosine are compared with the article on a dozen separate similarities (``kroniek.link.similarity``), a linear
ranker picks one and a logistic classifier gives the probability that the article belongs to it; it joins at
``join_probability`` or more, and a second candidate as likely is merged into the first. Genre rules come first
(``kroniek.link.genre``): a letters page or bulletin joins only the story that holds most of its items (each item
judged by the classifier on its own), a title printed before (a rubric) counts no title similarity. The weights
were fitted on the project's own tune labels (``bench/gold/train_story_model.py``).

**hand**: the weighted score below, tuned on what is now the check side of the labels.
Similarity of an article to a story (all in [0, 1], then multiplied by a time decay):

    score = w_text · cos(article tf-idf, story centroid)        words and @names, title terms counted extra
          + w_title · idf-weighted share of the article's title terms found in the story's titles
          + w_emb · max(0, cos(article embedding, story embedding))   (only when embeddings are switched on)
          + w_phrase · idf share of the rarest title word pair ("aanslag utrecht") also in the story's titles
    decay = 0.5 ** (days between the article and the story's [first, last] span / half_life)

Candidate retrieval keeps the cost per article flat: every live story is indexed under its strongest
``story_index_terms`` centroid terms, an article looks up its own strongest ``story_query_terms`` terms, and only the
``story_candidates`` stories with the largest overlap are scored. Below the threshold an article still joins a story
of the same days scoring at least ``story_name_threshold`` when both lead with the same rare names (a sidebar).
Stories whose last article is older than ``story_max_age_days`` (relative to the newest article seen) leave the
index: they are frozen.

Story ids are derived from the founding article's id and never change. When one article scores above
``story_merge_threshold`` with two stories, the younger story is merged into the older one (recorded in
``merges``, kind "story"). An updated article that no longer fits its story moves out (a split, recorded too).
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import heapq
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from kroniek.link.features import (
    NAME_PREFIX,
    ArticleFeatures,
    cosine,
    day_iso,
    idf,
    sparse_norm,
    top_terms,
    weigh,
)
from kroniek.link.similarity import ArticleView, StoryModel, article_view, load_model, pair_features

TITLE_PREFIX = "T:"
PHRASE_PREFIX = "P:"  # document frequency of a title phrase (adjacent title words)
REFINE = 25  # candidates that also get the nearest-member comparison
MULTI_CANDIDATES = 3  # a multi-item page's items are compared with its first three candidates only


def story_id_for(article_id: str) -> str:
    return "s" + hashlib.sha256(article_id.encode("utf-8")).hexdigest()[:15]


@dataclass(frozen=True)
class ClusterOptions:
    threshold: float = 0.30
    merge_threshold: float = 0.60
    half_life_days: float = 7.0
    max_age_days: float = 60.0
    candidates: int = 200
    index_terms: int = 40
    query_terms: int = 30
    profile_terms: int = 300
    posting_cap: int = 3000
    text_weight: float = 1.0
    title_weight: float = 0.25
    embedding_weight: float = 0.0
    member_links: int = 6  # recent member vectors kept per story (nearest-member similarity); 0 = centroid only
    member_terms: int = 60
    title_boost: float = 2.0  # extra count per title term, unless the title is a rubric seen before
    embedding_floor: float = 0.35  # embedding cosine of unrelated news; only the part above it counts
    stub_terms: int = 5  # an article with fewer distinct body terms is a stub (cartoon, caption, photo)
    stub_threshold: float = 0.8  # a stub joins only a near-duplicate story on the same days
    keyword_weight: float = 0.3  # weight of the share of the article's strongest terms among the story's
    phrase_weight: float = 0.5  # bonus when the article's title shares a rare word pair with the story's titles
    # A second way in: a score of at least name_threshold joins a story of the same days (article within name_days
    # of its span) with which the article shares name_shared of its salient names (its strongest terms that are
    # names, among the story's strongest terms). A sidebar (a profile, a reaction, an injury) names the same people,
    # places and organisations but tells a different part. 0 switches it off.
    name_threshold: float = 0.0
    name_shared: int = 2
    name_days: float = 1.0
    name_rarity: float = 0.7  # a salient name counts when its idf is at least this share of the highest idf
    # "hand": the weighted score above with its thresholds; "learned": the ranker and join classifier of
    # kroniek.link.similarity (weights in link/story_model.json), which ignore the weights and thresholds above
    model: str = "hand"
    model_variant: str = "embedding"  # "no_embedding" when the embedding model is not installed
    join_probability: float = 0.5  # the classifier's probability at which an article joins (learned)
    merge_probability: float = 1.01  # an article this likely in two stories merges them (learned); > 1: never
    dominance: float = 0.5  # share of a multi-item page that must belong to a story for the page to join it
    idf_prior_docs: int = 0  # learned: documents without any term added to the idf count (see idf_docs)
    # learned: the longest gap (days) between an article and its story in the training stretch; beyond it the
    # classifier knows nothing of time, so its probability halves every half_life_days more
    model_horizon_days: float = 10.0

    @classmethod
    def from_settings(cls, section: Mapping[str, Any]) -> ClusterOptions:
        names = {
            "threshold": "story_threshold", "merge_threshold": "story_merge_threshold",
            "half_life_days": "story_half_life_days", "max_age_days": "story_max_age_days",
            "candidates": "story_candidates", "index_terms": "story_index_terms",
            "query_terms": "story_query_terms", "profile_terms": "story_profile_terms",
            "posting_cap": "story_posting_cap", "text_weight": "story_text_weight",
            "title_weight": "story_title_weight", "embedding_weight": "story_embedding_weight",
            "member_links": "story_member_links", "member_terms": "story_member_terms",
            "title_boost": "story_title_boost", "embedding_floor": "story_embedding_floor",
            "stub_terms": "story_stub_terms", "stub_threshold": "story_stub_threshold",
            "keyword_weight": "story_keyword_weight", "phrase_weight": "story_phrase_weight",
            "name_threshold": "story_name_threshold", "name_shared": "story_name_shared",
            "name_days": "story_name_days", "name_rarity": "story_name_rarity", "model": "story_model",
            "model_variant": "story_model_variant", "join_probability": "story_join_probability",
            "merge_probability": "story_merge_probability", "dominance": "story_dominance",
            "idf_prior_docs": "story_idf_prior_docs", "model_horizon_days": "story_model_horizon_days",
        }
        values: dict[str, Any] = {}
        for attr, key in names.items():
            if key in section and section[key] is not None:
                kind = type(getattr(cls, attr))
                values[attr] = kind(section[key])
        return cls(**values)


@dataclass
class StoryProfile:
    """The clustering state of one story (persisted as JSON in ``stories.profile``)."""

    id: str
    centroid: dict[str, float] = field(default_factory=dict)  # sum of member unit vectors, top terms only
    count: int = 0
    first_day: int | None = None
    last_day: int | None = None
    outlets: Counter[str] = field(default_factory=Counter)
    title: str = ""
    title_terms: Counter[str] = field(default_factory=Counter)
    title_phrases: Counter[str] = field(default_factory=Counter)  # word pairs of the members' titles
    embedding: np.ndarray | None = None  # sum of member embeddings
    embedded: int = 0
    members: list[dict[str, float]] = field(default_factory=list)  # recent member vectors (truncated)
    founded: int = 0  # arrival number of the founding article: the older story survives a merge
    places: Counter[str] = field(default_factory=Counter)  # @place keys: how many members name each
    genres: Counter[str] = field(default_factory=Counter)  # members per genre (kroniek.link.genre)
    status: str = "active"
    merged_into: str | None = None
    dirty: bool = True

    _norm: float | None = None
    _part_norms: tuple[float, float] | None = None
    _leading: list[str] | None = None

    @property
    def norm(self) -> float:
        if self._norm is None:
            self._norm = math.sqrt(sum(v * v for v in self.centroid.values())) or 1.0
        return self._norm

    def part_norms(self) -> tuple[float, float]:
        """Norms of the centroid's words and of its @names, the sub-vectors compared apart."""
        if self._part_norms is None:
            words = sum(v * v for t, v in self.centroid.items() if not t.startswith(NAME_PREFIX))
            names = sum(v * v for t, v in self.centroid.items() if t.startswith(NAME_PREFIX))
            self._part_norms = (math.sqrt(words), math.sqrt(names))
        return self._part_norms

    def leading_names(self, count: int) -> list[str]:
        """The centroid's strongest @names, strongest first (the story's key entities)."""
        if self._leading is None or len(self._leading) < count:
            names = sorted(((v, t) for t, v in self.centroid.items() if t.startswith(NAME_PREFIX)),
                           key=lambda vt: (-vt[0], vt[1]))
            self._leading = [t for _, t in names[:count]]
        return self._leading[:count]

    def changed(self) -> None:
        self._norm = None
        self._part_norms = None
        self._leading = None
        self.dirty = True

    def span_gap(self, day: int | None) -> int:
        if day is None or self.first_day is None or self.last_day is None:
            return 0
        if day > self.last_day:
            return day - self.last_day
        if day < self.first_day:
            return self.first_day - day
        return 0

    def to_json(self) -> dict[str, Any]:
        # Full precision: a run resumed from the stored profile must decide exactly as an uninterrupted one.
        return {
            "centroid": dict(self.centroid),
            "count": self.count, "first_day": self.first_day, "last_day": self.last_day,
            "outlets": dict(self.outlets), "title": self.title, "title_terms": dict(self.title_terms),
            "title_phrases": dict(self.title_phrases),
            # float32 bytes in base64: the same values as a list of floats, a quarter of the size and far quicker
            # to read back (every run loads every live story's profile)
            "embedding": _pack(self.embedding) if self.embedding is not None else None,
            "embedded": self.embedded,
            "members": [dict(m) for m in self.members],
            "founded": self.founded, "places": dict(self.places), "genres": dict(self.genres),
        }

    @classmethod
    def from_json(cls, story_id: str, data: Mapping[str, Any], status: str = "active",
                  merged_into: str | None = None) -> StoryProfile:
        return cls(id=story_id, centroid={str(k): float(v) for k, v in (data.get("centroid") or {}).items()},
                   count=int(data.get("count") or 0), first_day=data.get("first_day"),
                   last_day=data.get("last_day"), outlets=Counter(data.get("outlets") or {}),
                   title=str(data.get("title") or ""), title_terms=Counter(data.get("title_terms") or {}),
                   title_phrases=Counter(data.get("title_phrases") or {}),
                   embedding=_unpack(data["embedding"]) if data.get("embedding") else None,
                   embedded=int(data.get("embedded") or 0),
                   members=[dict(m) for m in data.get("members") or []], founded=int(data.get("founded") or 0),
                   places=Counter(data.get("places") or {}), genres=Counter(data.get("genres") or {}),
                   status=status, merged_into=merged_into, dirty=False)


def _pack(vector: np.ndarray) -> str:
    return base64.b64encode(np.asarray(vector, dtype="<f4").tobytes()).decode("ascii")


def _unpack(stored: str | list[float]) -> np.ndarray:
    """A stored embedding: base64 float32 (now) or a list of floats (profiles written before)."""
    if isinstance(stored, str):
        return np.frombuffer(base64.b64decode(stored), dtype="<f4").astype(np.float32)
    return np.asarray(stored, dtype=np.float32)


@dataclass
class Observation:
    """One article as a decision sees it (``StoryClusterer.observe``)."""

    features: ArticleFeatures
    vector: Mapping[str, float]
    rubric: bool
    genre: str
    pool: list[str]
    compared: list[tuple[str, dict[str, float]]] = field(default_factory=list)  # learned: candidate comparisons
    view: ArticleView | None = None


@dataclass
class Decision:
    article_id: str
    story_id: str
    similarity: float | None  # None for the founding article of a new story
    created: bool
    merged: list[tuple[str, str, float]] = field(default_factory=list)  # (old story, survivor, score)
    moved_from: str | None = None  # split: the story an updated article left
    scores: list[tuple[str, float]] = field(default_factory=list)  # best candidates, for explanations


class DocumentFrequencies:
    """Document frequencies with a loader for terms not seen in this run (the store's ``link_term_df``)."""

    def __init__(self, n_docs: int = 0, loader: Callable[[Iterable[str]], Mapping[str, int]] | None = None) -> None:
        self.n_docs = n_docs
        self.counts: dict[str, int] = {}
        self.pending: Counter[str] = Counter()
        self._loader = loader
        self._preloaded: dict[str, int] = {}  # the store's counts of terms a batch will ask for (``preload``)

    def preload(self, terms: Iterable[str]) -> None:
        """Read the stored counts of terms the coming articles will ask for, in one query instead of one per
        article. They are kept apart and only become counts when ``prefetch`` asks, as before, so ``get`` of a
        term no article has asked for yet still answers 0: the same answers in the same order. Valid until the
        counts are written (``drain``), which clears them."""
        missing = [t for t in set(terms) if t not in self.counts and t not in self._preloaded]
        if missing and self._loader:
            loaded = self._loader(missing)
            self._preloaded.update((term, int(loaded.get(term, 0))) for term in missing)

    def prefetch(self, terms: Iterable[str]) -> None:
        missing = [t for t in set(terms) if t not in self.counts]
        if not missing:
            return
        preloaded = self._preloaded
        unknown = [t for t in missing if t not in preloaded]
        loaded = (self._loader(unknown) if self._loader else {}) if unknown else {}
        for term in missing:
            self.counts[term] = preloaded.pop(term) if term in preloaded else int(loaded.get(term, 0))

    def add(self, terms: Iterable[str]) -> None:
        distinct = set(terms)
        self.prefetch(distinct)
        for term in distinct:
            self.counts[term] += 1
            self.pending[term] += 1
        self.n_docs += 1

    def get(self, term: str, default: int = 0) -> int:
        return self.counts.get(term, default)

    def __getitem__(self, term: str) -> int:
        return self.counts.get(term, 0)

    def drain(self) -> Counter[str]:
        pending, self.pending = self.pending, Counter()
        self._preloaded.clear()  # the store's counts change when these are written
        return pending


class _DfView(Mapping[str, int]):
    def __init__(self, df: DocumentFrequencies) -> None:
        self.df = df

    def __getitem__(self, key: str) -> int:
        return self.df.counts.get(key, 0)

    def get(self, key: str, default: Any = 0) -> Any:  # type: ignore[override]
        return self.df.counts.get(key, default)

    def __iter__(self) -> Any:
        return iter(self.df.counts)

    def __len__(self) -> int:
        return len(self.df.counts)


class StoryClusterer:
    """The in-memory side of story clustering: live story profiles, their inverted index, and the decision."""

    def __init__(self, options: ClusterOptions | None = None, df: DocumentFrequencies | None = None) -> None:
        self.options = options or ClusterOptions()
        self.df = df or DocumentFrequencies()
        self.stories: dict[str, StoryProfile] = {}
        self.postings: dict[str, set[str]] = {}
        self.indexed: dict[str, list[str]] = {}
        self.retired: dict[str, StoryProfile] = {}  # merged or frozen since the last flush
        self.clock: int | None = None  # newest article day seen
        self.arrivals = 0
        self._heap: list[tuple[int, str]] = []
        self.model: StoryModel | None = None
        self.last_observation: Observation | None = None
        self._query: _Query | None = None
        if self.options.model == "learned":
            self.model = load_model(self.options.model_variant)
        elif self.options.model != "hand":
            raise ValueError(f"story_model must be 'hand' or 'learned', not {self.options.model!r}")

    # --- index ------------------------------------------------------------------------------------------------

    def add_story(self, profile: StoryProfile) -> None:
        self.stories[profile.id] = profile
        self.arrivals = max(self.arrivals, profile.founded + 1)
        self._reindex(profile)
        if profile.last_day is not None:
            heapq.heappush(self._heap, (profile.last_day, profile.id))

    def _unindex(self, story_id: str) -> None:
        for key in self.indexed.pop(story_id, []):
            posting = self.postings.get(key)
            if posting is not None:
                posting.discard(story_id)
                if not posting:
                    del self.postings[key]

    def _reindex(self, profile: StoryProfile) -> None:
        self._unindex(profile.id)
        keys = top_terms(profile.centroid, self.options.index_terms)
        self.indexed[profile.id] = keys
        for key in keys:
            self.postings.setdefault(key, set()).add(profile.id)

    def freeze_old(self) -> list[str]:
        """Drop stories whose last article is more than max_age days older than the newest article seen."""
        if self.clock is None:
            return []
        horizon = self.clock - self.options.max_age_days
        frozen = []
        while self._heap and self._heap[0][0] < horizon:
            last_day, story_id = heapq.heappop(self._heap)
            profile = self.stories.get(story_id)
            if profile is None or profile.last_day != last_day:
                continue  # stale heap entry: the story moved on (or is gone)
            self._unindex(story_id)
            del self.stories[story_id]
            if profile.dirty:
                self.retired[story_id] = profile
            frozen.append(story_id)
        return frozen

    # --- scoring ----------------------------------------------------------------------------------------------

    def preload(self, batch: Iterable[ArticleFeatures]) -> None:
        """Read the stored document frequencies of a whole batch's terms at once (``DocumentFrequencies.preload``;
        the store's values do not change while the batch is decided, its counts are written after it)."""
        self.df.preload([term for features in batch for term in (*features.terms, *self._title_keys(features))])

    def vector(self, features: ArticleFeatures) -> dict[str, float]:
        self.df.prefetch([*features.terms, *self._title_keys(features)])
        terms = features.terms
        if self.options.title_boost and features.title_terms and not self.is_rubric(features):
            terms = dict(terms)
            for term in features.title_terms:
                terms[term] = terms.get(term, 0.0) + self.options.title_boost
        return weigh(terms, _DfView(self.df), self.idf_docs())

    def idf_docs(self) -> int:
        """The document count idf is taken against: for the learned model, ``idf_prior_docs`` more, as if that many
        earlier articles had none of the terms (a store of two articles would otherwise find every shared word
        common; once the store holds thousands the prior no longer matters)."""
        return max(self.df.n_docs, 1) + (self.options.idf_prior_docs if self.model is not None else 0)

    @staticmethod
    def _title_keys(features: ArticleFeatures) -> list[str]:
        keys = [TITLE_PREFIX + features.title_key] if features.title_key else []
        return keys + [PHRASE_PREFIX + p for p in features.title_phrases]

    def is_rubric(self, features: ArticleFeatures) -> bool:
        """A title seen before on another article ("Column", "Brieven", a cartoon's name) says nothing."""
        return bool(features.title_key) and self.df.get(TITLE_PREFIX + features.title_key) > 0

    def candidates(self, vector: Mapping[str, float], exclude: Iterable[str] = ()) -> list[str]:
        scores: dict[str, float] = {}
        for key in top_terms(vector, self.options.query_terms):
            posting = self.postings.get(key)
            if not posting or len(posting) > self.options.posting_cap:
                continue
            weight = vector[key]
            for story_id in posting:
                scores[story_id] = scores.get(story_id, 0.0) + weight
        for story_id in exclude:
            scores.pop(story_id, None)
        ranked = sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))
        return [s for s, _ in ranked[: self.options.candidates]]

    def score(self, features: ArticleFeatures, vector: Mapping[str, float], story: StoryProfile,
              members: bool = True) -> float:
        """The similarity of an article to a story; ``members=False`` skips the nearest-member comparison."""
        o = self.options
        query = self._query_of(vector)
        text = cosine(vector, story.centroid, story.norm, query.norm)
        if members and o.member_links and story.members:
            text = max(text, max(cosine(vector, m) for m in story.members))  # unit vectors
        total = o.text_weight * text
        if o.keyword_weight:
            keys = self.indexed.get(story.id)
            if keys is None:
                keys = top_terms(story.centroid, o.index_terms)
            story_keys = set(keys)
            total += o.keyword_weight * sum(vector[t] for t in query.top if t in story_keys) / query.mass
        if o.title_weight and features.title_terms and story.title_terms:
            n = self.idf_docs()
            weights = {t: idf(self.df.get(t), n) for t in features.title_terms}
            shared = sum(w for t, w in weights.items() if t in story.title_terms)
            total += o.title_weight * shared / (sum(weights.values()) or 1.0)
        if o.phrase_weight and story.title_phrases:
            total += o.phrase_weight * self.phrase_share(features, story)
        if o.embedding_weight and features.embedding is not None and story.embedding is not None:
            similarity = _dense_cosine(query.embedding(features.embedding), story.embedding)
            total += o.embedding_weight * max(0.0, (similarity - o.embedding_floor) / (1.0 - o.embedding_floor))
        gap = story.span_gap(features.day)
        return total * 0.5 ** (gap / o.half_life_days) if o.half_life_days > 0 else total

    def _query_of(self, vector: Mapping[str, float]) -> _Query:
        """What ``score`` needs of the article's vector, worked out once for all the candidates it is scored
        against (the vector is not changed while they are)."""
        if self._query is None or self._query.vector is not vector:
            top = top_terms(vector, self.options.query_terms)
            self._query = _Query(vector, top, sum(vector[t] for t in top) or 1.0, sparse_norm(vector))
        return self._query

    def phrase_share(self, features: ArticleFeatures, story: StoryProfile) -> float:
        """The rarest title word pair the article shares with the story's titles, as idf / the highest idf."""
        shared = [p for p in features.title_phrases if p in story.title_phrases]
        if not shared or self.is_rubric(features):
            return 0.0
        n = self.idf_docs()
        return max(idf(self.df.get(PHRASE_PREFIX + p), n) for p in shared) / idf(0, n)

    # --- the decision -----------------------------------------------------------------------------------------

    def assign(self, features: ArticleFeatures, current: str | None = None) -> Decision:
        """Place one article: join the best story above the threshold, merge stories it bridges, or found one.

        ``current`` is the story an updated article already belongs to (it may stay, or move out: a split).
        """
        o = self.options
        seen = self.observe(features, current)
        self.last_observation = seen  # for explanations and for training on the model's own decisions
        vector, rubric, genre = seen.vector, seen.rubric, seen.genre
        if self.model is not None:
            scored = self._learned(seen)
            threshold, merge_threshold = o.join_probability, o.merge_probability
        else:
            scored = self._hand(features, vector, seen.pool)
            threshold, merge_threshold = o.threshold, o.merge_threshold
        decision_scores = [(s, round(v, 4)) for v, s in scored[:5]]
        if current is not None and current in self.stories:
            story = self.stories[current]
            stay = next((v for v, s in scored if s == current), 0.0)
            if story.count <= 1:  # its only article changed: the story follows it
                story.centroid, story.members, story.title_terms = {}, [], Counter()
                story.places, story.genres = Counter(), Counter()
                self._update_profile(story, features, vector, joined=False, rubric=rubric, genre=genre)
                return Decision(features.article_id, current, None, created=False, scores=decision_scores)
            if stay >= threshold:
                self._update_profile(story, features, vector, joined=False, rubric=rubric, genre=genre)
                return Decision(features.article_id, current, stay, created=False, scores=decision_scores)
            scored = [(v, s) for v, s in scored if s != current]
        if current is None:
            self.df.add([*features.terms, *self._title_keys(features)])  # an updated article is counted
        named = None
        if self.model is None and scored and scored[0][0] < threshold:
            named = self.named_match(features, vector, scored)
        if named is not None:
            scored = [named, *(item for item in scored if item != named)]
        if not scored or (scored[0][0] < threshold and named is None):
            decision = self._found(features, vector, rubric, genre, decision_scores)
        else:
            best_score, best_id = scored[0]
            bridged = [s for v, s in scored[1:] if v >= merge_threshold] if best_score >= merge_threshold else []
            group = [best_id, *bridged]
            survivor = min(group, key=lambda s: (self.stories[s].founded, s))
            merged = []
            for story_id in group:
                if story_id != survivor:
                    score = next(v for v, s in scored if s == story_id)
                    self._merge(story_id, survivor)
                    merged.append((story_id, survivor, score))
            self._update_profile(self.stories[survivor], features, vector, rubric=rubric, genre=genre)
            decision = Decision(features.article_id, survivor, best_score, created=False, merged=merged,
                                scores=decision_scores)
        if current is not None and current != decision.story_id:
            decision.moved_from = current
            old = self.stories.get(current)
            if old is not None:
                old.count = max(0, old.count - 1)
                old.outlets[features.outlet] -= 1
                old.outlets = +old.outlets
                old.dirty = True
        return decision

    def observe(self, features: ArticleFeatures, current: str | None = None) -> Observation:
        """Everything a decision about one article reads: the clock moved on, its vector, whether its title is a
        rubric, its genre, and the candidate stories (with the learned comparison of the closest ones)."""
        if features.day is not None:
            self.clock = features.day if self.clock is None else max(self.clock, features.day)
            self.freeze_old()
        vector = self.vector(features)
        rubric = self.is_rubric(features)  # before this article's own title is counted
        genre = "recurring" if rubric and features.genre == "news" else features.genre
        pool = self.candidates(vector)
        if current is not None and current in self.stories and current not in pool:
            pool.append(current)
        seen = Observation(features, vector, rubric, genre, pool)
        if self.model is not None:
            seen.compared = self.compare(seen, current)
        return seen

    def compare(self, seen: Observation, current: str | None = None) -> list[tuple[str, dict[str, float]]]:
        """The learned comparison with the REFINE candidates closest by centroid cosine (and the article's current
        story): a bounded number per article, whatever the number of live stories."""
        o = self.options
        vector = seen.vector
        rough = sorted(((_unit_dot(vector, self.stories[s].centroid) / self.stories[s].norm, s) for s in seen.pool),
                       key=lambda item: (-item[0], item[1]))
        chosen = [s for _, s in rough[:REFINE]]
        if current is not None and current in self.stories and current not in chosen:
            chosen.append(current)
        n = self.idf_docs()
        view = article_view(seen.features, vector, seen.genre, self.df.get, n, o.query_terms, o.name_rarity,
                            seen.rubric)
        seen.view = view
        return [(s, self._pair(view, self.stories[s])) for s in chosen]

    def _pair(self, view: ArticleView, story: StoryProfile) -> dict[str, float]:
        keys = self.indexed.get(story.id)
        if keys is None:
            keys = top_terms(story.centroid, self.options.index_terms)
        # The story's places and title words are weighed by their document frequency too: load the ones this run
        # has not seen, or a resumed run would weigh them as unseen and decide differently from an uninterrupted one.
        self.df.prefetch([*story.places, *story.title_terms])
        n = self.idf_docs()
        return pair_features(view, story, keys, self.df.get, n, self.phrase_share(view.features, story))

    def _learned(self, seen: Observation) -> list[tuple[float, str]]:
        """Candidates in the ranker's order, each with the classifier's probability that the article belongs."""
        assert self.model is not None
        ranked = sorted(((self.model.ranker.score(values), story_id, values) for story_id, values in seen.compared),
                        key=lambda item: (-item[0], self.stories[item[1]].founded))
        o = self.options
        scored: list[tuple[float, str]] = []
        for _, story_id, values in ranked:
            probability = self.model.classifier.probability(values)
            beyond = self.stories[story_id].span_gap(seen.features.day) - o.model_horizon_days
            if beyond > 0 and o.half_life_days > 0:  # longer gaps than the training stretch held: the hand decay
                probability *= 0.5 ** (beyond / o.half_life_days)
            if values["multi"]:  # a page of several items joins the story that holds most of it, else stands alone
                dominated = len(scored) < MULTI_CANDIDATES and self.dominated(seen, self.stories[story_id])
                probability = max(probability, o.join_probability) if dominated else 0.0
            scored.append((probability, story_id))
        return scored

    def dominated(self, seen: Observation, story: StoryProfile) -> bool:
        """Whether the story's subject holds most of a multi-item page (a letters page, a bulletin): the share of
        the page's terms in items that the classifier, each item on its own, would join to the story reaches
        ``dominance``. The page's own score does not count: a mix of subjects scores a little with many stories."""
        assert self.model is not None and seen.view is not None
        n = self.idf_docs()
        total = joined = 0.0
        for item in seen.features.items:
            mass = sum(item.values())
            if not mass:
                continue
            total += mass
            vector = weigh(item, _DfView(self.df), n)
            single = dataclasses.replace(seen.features, terms=item, genre="news", genre_items=1, items=[],
                                         chars=int(mass * 7))
            view = article_view(single, vector, "news", self.df.get, n, self.options.query_terms,
                                self.options.name_rarity)
            if self.model.classifier.probability(self._pair(view, story)) >= self.options.join_probability:
                joined += mass
        return bool(total) and joined / total >= self.options.dominance

    def _hand(self, features: ArticleFeatures, vector: Mapping[str, float], pool: list[str]) -> list[tuple[float, str]]:
        """The hand-weighted score of every candidate, best first (see the module docstring)."""
        o = self.options
        scored: list[tuple[float, str]] = []
        # Two steps: the centroid for every candidate, the nearest member only for the most promising ones.
        rough = sorted(((self.score(features, vector, self.stories[s], members=False), s) for s in pool),
                       key=lambda item: (-item[0], item[1]))
        for position, (value, story_id) in enumerate(rough):
            if position < REFINE and self.options.member_links:
                value = self.score(features, vector, self.stories[story_id])
            scored.append((value, story_id))
        if features.body_terms < o.stub_terms:  # stubs only join near-duplicates of the same days
            scored = [(v, s) for v, s in scored if v >= max(o.stub_threshold, o.threshold)
                      and self.stories[s].span_gap(features.day) == 0]
        scored.sort(key=lambda item: (-item[0], self.stories[item[1]].founded))
        return scored

    def commit(self, seen: Observation, story_id: str | None) -> Decision:
        """Place an observed new article by an outside decision (training on gold labels): join ``story_id``,
        or found a story when it is None or not live."""
        features = seen.features
        self.df.add([*features.terms, *self._title_keys(features)])
        if story_id is None or story_id not in self.stories:
            return self._found(features, seen.vector, seen.rubric, seen.genre, [])
        self._update_profile(self.stories[story_id], features, seen.vector, rubric=seen.rubric, genre=seen.genre)
        return Decision(features.article_id, story_id, None, created=False)

    def _found(self, features: ArticleFeatures, vector: Mapping[str, float], rubric: bool, genre: str,
               scores: list[tuple[str, float]]) -> Decision:
        profile = StoryProfile(id=story_id_for(features.article_id), founded=self.arrivals,
                               title=features.title or features.lead[:120])
        self.arrivals += 1
        self._update_profile(profile, features, vector, rubric=rubric, genre=genre)
        self.add_story(profile)
        return Decision(features.article_id, profile.id, None, created=True, scores=scores)

    def named_match(self, features: ArticleFeatures, vector: Mapping[str, float],
                    scored: list[tuple[float, str]]) -> tuple[float, str] | None:
        """The best story below the threshold that the article still joins: same days, shared salient names."""
        o = self.options
        if not o.name_threshold or o.name_shared <= 0:
            return None
        n = self.idf_docs()
        floor = o.name_rarity * idf(0, n)
        names = [t for t in top_terms(vector, o.query_terms)
                 if t.startswith(NAME_PREFIX) and idf(self.df.get(t), n) >= floor]
        if len(names) < o.name_shared:
            return None
        for value, story_id in scored:
            if value < o.name_threshold:
                break
            story = self.stories[story_id]
            if story.span_gap(features.day) > o.name_days:
                continue
            keys = set(self.indexed.get(story_id) or top_terms(story.centroid, o.index_terms))
            if sum(1 for t in names if t in keys) >= o.name_shared:
                return value, story_id
        return None

    def _update_profile(self, profile: StoryProfile, features: ArticleFeatures, vector: Mapping[str, float],
                        joined: bool = True, rubric: bool = False, genre: str = "") -> None:
        o = self.options
        for term, value in vector.items():
            profile.centroid[term] = profile.centroid.get(term, 0.0) + value
        if len(profile.centroid) > o.profile_terms:
            profile.centroid = dict(sorted(profile.centroid.items(), key=lambda kv: (-kv[1], kv[0]))
                                    [: o.profile_terms])
        if o.member_links:
            member = dict(sorted(vector.items(), key=lambda kv: (-kv[1], kv[0]))[: o.member_terms])
            length = math.sqrt(sum(v * v for v in member.values())) or 1.0
            member = {t: v / length for t, v in member.items()}
            profile.members = [*profile.members, member][-o.member_links:]
        if joined:
            profile.count += 1
            profile.outlets[features.outlet] += 1
            profile.genres[genre or features.genre] += 1
        profile.places.update(t for t in features.places if t in vector)
        if len(profile.places) > 60:
            profile.places = Counter(dict(sorted(profile.places.items(), key=lambda kv: (-kv[1], kv[0]))[:60]))
        for term in features.title_terms:
            profile.title_terms[term] += 1
        if len(profile.title_terms) > 120:
            profile.title_terms = Counter(dict(profile.title_terms.most_common(120)))
        if not rubric:
            profile.title_phrases.update(features.title_phrases)
            if len(profile.title_phrases) > 120:
                profile.title_phrases = Counter(dict(profile.title_phrases.most_common(120)))
        if features.embedding is not None:
            vector_e = np.asarray(features.embedding, dtype=np.float32)
            profile.embedding = vector_e.copy() if profile.embedding is None else profile.embedding + vector_e
            profile.embedded += 1
        if features.day is not None:
            profile.first_day = features.day if profile.first_day is None else min(profile.first_day, features.day)
            if profile.last_day is None or features.day > profile.last_day:
                profile.last_day = features.day
                heapq.heappush(self._heap, (features.day, profile.id))
        if not profile.title and features.title:
            profile.title = features.title
        profile.changed()
        if profile.id in self.stories:
            self._reindex(profile)

    def _merge(self, loser_id: str, survivor_id: str) -> None:
        loser = self.stories.pop(loser_id)
        self._unindex(loser_id)
        survivor = self.stories[survivor_id]
        for term, value in loser.centroid.items():
            survivor.centroid[term] = survivor.centroid.get(term, 0.0) + value
        if len(survivor.centroid) > self.options.profile_terms:
            survivor.centroid = dict(sorted(survivor.centroid.items(), key=lambda kv: (-kv[1], kv[0]))
                                     [: self.options.profile_terms])
        survivor.count += loser.count
        survivor.outlets.update(loser.outlets)
        survivor.title_terms.update(loser.title_terms)
        survivor.title_phrases.update(loser.title_phrases)
        survivor.places.update(loser.places)
        survivor.genres.update(loser.genres)
        survivor.members = (survivor.members + loser.members)[-self.options.member_links:] \
            if self.options.member_links else []
        if loser.embedding is not None:
            survivor.embedding = loser.embedding if survivor.embedding is None else survivor.embedding + loser.embedding
            survivor.embedded += loser.embedded
        days = [d for d in (survivor.first_day, loser.first_day) if d is not None]
        survivor.first_day = min(days) if days else None
        days = [d for d in (survivor.last_day, loser.last_day) if d is not None]
        survivor.last_day = max(days) if days else None
        if survivor.last_day is not None:
            heapq.heappush(self._heap, (survivor.last_day, survivor.id))
        survivor.changed()
        self._reindex(survivor)
        loser.status = "merged"
        loser.merged_into = survivor_id
        loser.dirty = True
        self.retired[loser_id] = loser

    def dirty_profiles(self) -> list[StoryProfile]:
        found = [p for p in self.stories.values() if p.dirty]
        found.extend(p for p in self.retired.values() if p.id not in self.stories)
        return found

    def mark_clean(self) -> None:
        for profile in self.stories.values():
            profile.dirty = False
        self.retired.clear()


def _unit_dot(vector: Mapping[str, float], centroid: Mapping[str, float]) -> float:
    """The dot product of a unit article vector and a centroid: its cosine times the centroid's norm."""
    small, large = (vector, centroid) if len(vector) <= len(centroid) else (centroid, vector)
    get = large.get
    return sum(v * get(t, 0.0) for t, v in small.items())


@dataclass
class _Query:
    """An article vector with its strongest terms, their mass and its norm (see ``StoryClusterer._query_of``)."""

    vector: Mapping[str, float]
    top: list[str]
    mass: float
    norm: float
    _embedding: tuple[list[float], np.ndarray] | None = None

    def embedding(self, values: list[float]) -> np.ndarray:
        """The article's embedding as an array, converted once rather than once per candidate story."""
        if self._embedding is None or self._embedding[0] is not values:
            self._embedding = (values, np.asarray(values, dtype=np.float32))
        return self._embedding[1]


def _dense_cosine(a: list[float] | np.ndarray, b: np.ndarray) -> float:
    va = np.asarray(a, dtype=np.float32)
    na = float(np.linalg.norm(va)) or 1.0
    nb = float(np.linalg.norm(b)) or 1.0
    return float(va @ b) / (na * nb)


def profile_summary(profile: StoryProfile) -> dict[str, Any]:
    return {"first_day": day_iso(profile.first_day), "last_day": day_iso(profile.last_day),
            "count": profile.count, "outlets": sorted(profile.outlets)}

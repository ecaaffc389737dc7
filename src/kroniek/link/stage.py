"""The link stage: new and changed articles, in arrival order, into stories; their mentions into canonical events.

Per batch of pending articles (one transaction): features → story decision per article (``stories``) → story rows,
memberships, merges and splits, document frequencies → event linking for every story the batch touched
(``events``) → mentions.event_id and claims.event_id → facets for the read side. A run killed half-way leaves
whole batches behind, and the next run continues from the first article not marked done.

A story that only gained new articles has their mentions appended to its events, reading only the events they
could join (same type, overlapping dates); since events are clustered in arrival order this is exactly what
re-clustering the story would give (tested), at a cost that follows the new articles rather than the story's
size. A story that merged, split or holds an updated article is re-clustered, and flagged for the reconcile
stage to take whole.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy.engine import Connection

from kroniek.config import Settings
from kroniek.link import embed
from kroniek.link.events import (
    MentionInfo,
    append_mentions,
    event_id_for,
    finish_event,
    link_mentions,
    new_event_id,
)
from kroniek.link.features import ArticleFeatures, FeatureOptions, day_iso, extract_features
from kroniek.link.stories import ClusterOptions, Decision, DocumentFrequencies, StoryClusterer, StoryProfile
from kroniek.model import Article, Event
from kroniek.stages import Progress, StageReport
from kroniek.store.links import (
    LinkRepository,
    article_stats,
    count_event,
    dumps,
    event_keys,
    event_tally,
    loads,
    ranked,
    story_keys,
    utcnow,
)
from kroniek.store.names import article_names_of
from kroniek.store.repository import Store

log = logging.getLogger("kroniek.link")


class LinkStage:
    name = "link"

    def __init__(self, clusterer: StoryClusterer | None = None, after: str | None = None,
                 keep_state: bool = False) -> None:
        self._clusterer = clusterer
        # Run after run in one process (run_side_by_side), the live stories stay loaded: this process is the only
        # one that links, so its clusterer stays what the store holds.
        self.keep_state = keep_state
        # Story clustering needs only the article (and its analysis when there is one), so by default the stage
        # takes every new article; side by side with the extract stage it waits for it (after="extract").
        self.after = after

    def run(self, store: Store, settings: Settings, progress: Progress | None = None) -> StageReport:
        report = StageReport(self.name, counts={"stories_created": 0, "joined": 0, "story_merges": 0,
                                                "splits": 0, "events_written": 0, "event_merges": 0})
        repo = LinkRepository(store)
        section = settings.section("link")
        options = ClusterOptions.from_settings(section)
        feature_options = FeatureOptions.from_settings(section)
        use_embeddings = options.embedding_weight > 0 and embed.available()
        if options.embedding_weight > 0 and not use_embeddings:
            # Without the model the scores lack the embedding term: use the threshold tuned for that case.
            options = dataclasses.replace(options, embedding_weight=0.0, threshold=float(
                section.get("story_threshold_without_embedding", options.threshold)))
        if not use_embeddings:  # the learned weights fitted without the embedding feature
            options = dataclasses.replace(options, model_variant="no_embedding")
        batch_size = int(section.get("batch_size", 100))
        total = store.count_pending(self.name, after=self.after)
        touched_total: set[str] = set()
        if total:
            clusterer = self._clusterer or load_clusterer(store, repo, options)
            if self.keep_state:
                self._clusterer = clusterer
            for batch in store.pending(self.name, after=self.after, batch_size=batch_size):
                touched = self._link_batch(store, repo, clusterer, batch, feature_options, use_embeddings, report)
                touched_total |= touched
                report.processed += len(batch)
                if progress:
                    progress(self.name, report.processed, total)
        # Mentions re-extracted without a content change lose their event id: link those stories again.
        with store.engine.begin() as conn:
            orphans = repo.unlinked_mention_articles(conn)
            stories = set(repo.story_of(conn, orphans).values()) - touched_total
            for story_id in sorted(stories):
                link_story_events(repo, conn, story_id, report)
        return report

    def _link_batch(self, store: Store, repo: LinkRepository, clusterer: StoryClusterer, batch: Sequence[Article],
                    feature_options: FeatureOptions, use_embeddings: bool, report: StageReport) -> set[str]:
        documents = [store.document_for(a) for a in batch]
        features = [extract_features(a, doc, feature_options) for a, doc in zip(batch, documents, strict=True)]
        if use_embeddings:
            vectors = embed.embed_texts([f.lead for f in features])
            if vectors is not None:
                for feature, vector in zip(features, vectors, strict=True):
                    feature.embedding = vector
        clusterer.preload(features)
        with store.engine.begin() as conn:
            current = repo.story_of(conn, [a.id for a in batch])
            decisions: list[Decision] = []
            for article, feature in zip(batch, features, strict=True):
                story = current.get(article.id)
                if story is not None:
                    story = _activate(repo, conn, clusterer, story)
                decisions.append(clusterer.assign(feature, story))
            touched = persist_decisions(repo, conn, clusterer, batch, features, decisions, report)
            for article, document in zip(batch, documents, strict=True):
                repo.set_article_names(conn, article.id, article_names_of(document))
            arrivals = _arrivals(current, decisions)
            for story_id in sorted(touched):
                link_story_events(repo, conn, story_id, report, arrivals.get(story_id))
            store.mark_done(conn, self.name, batch)
        return touched


def load_clusterer(store: Store, repo: LinkRepository, options: ClusterOptions) -> StoryClusterer:
    """The live stories (last article within max_age of the newest one) and the document frequencies so far."""
    with store.engine.connect() as conn:
        n_docs = int(repo.get_state(conn, "n_docs", "0") or 0)
        latest = repo.latest_story_day(conn)
        since = None
        if latest:
            since = (dt.date.fromisoformat(latest) - dt.timedelta(days=options.max_age_days)).isoformat()
        rows = repo.active_story_rows(conn, since)

    def loader(terms: Iterable[str]) -> dict[str, int]:
        with store.engine.connect() as read:
            return repo.load_df(read, terms)

    clusterer = StoryClusterer(options, DocumentFrequencies(n_docs, loader))
    for row in rows:
        clusterer.add_story(StoryProfile.from_json(row.id, loads(row.profile)))
    if latest:
        clusterer.clock = dt.date.fromisoformat(latest).toordinal()
    return clusterer


def _activate(repo: LinkRepository, conn: Connection, clusterer: StoryClusterer, story_id: str) -> str:
    """The live story an already-linked article belongs to (following merges), loaded back if it was frozen."""
    seen: set[str] = set()
    while story_id not in clusterer.stories and story_id not in seen:
        seen.add(story_id)
        retired = clusterer.retired.get(story_id)
        if retired is not None and retired.merged_into:
            story_id = retired.merged_into
            continue
        row = repo.story_rows(conn, [story_id]).get(story_id)
        if row is None:
            break
        if row.status == "merged" and row.merged_into:
            story_id = row.merged_into
            continue
        clusterer.add_story(StoryProfile.from_json(row.id, loads(row.profile)))
    return story_id


def persist_decisions(repo: LinkRepository, conn: Connection, clusterer: StoryClusterer,
                      batch: Sequence[Article], features: Sequence[ArticleFeatures], decisions: Sequence[Decision],
                      report: StageReport) -> set[str]:
    touched: set[str] = set()
    for profile in clusterer.dirty_profiles():  # stories first: story_articles points at them
        save_profile(repo, conn, profile)
    clusterer.mark_clean()
    for article, decision in zip(batch, decisions, strict=True):
        for old_id, survivor, score in decision.merged:
            repo.move_story_articles(conn, old_id, survivor)
            repo.record_merge(conn, "story", old_id, survivor,
                              f"article {article.id} matches both stories (similarity {score:.2f})")
            report.counts["story_merges"] += 1
            touched.add(survivor)
        repo.set_story_article(conn, article.id, decision.story_id, decision.similarity)
        if decision.moved_from is not None:
            repo.record_merge(conn, "story", decision.moved_from, decision.story_id,
                              f"split: updated article {article.id} no longer fits and moved")
            report.counts["splits"] += 1
            touched.add(decision.moved_from)
        report.counts["stories_created" if decision.created else "joined"] += 1
        touched.add(decision.story_id)
    pending = clusterer.df.drain()
    if pending:
        repo.add_df(conn, pending)
    repo.set_state(conn, "n_docs", str(clusterer.df.n_docs))
    return touched


def save_profile(repo: LinkRepository, conn: Connection, profile: StoryProfile) -> None:
    outlets = sorted(o for o, c in profile.outlets.items() if c > 0)
    values: dict[str, Any] = {
        "id": profile.id, "title": profile.title or "", "first_seen": day_iso(profile.first_day),
        "last_seen": day_iso(profile.last_day), "article_count": profile.count, "outlet_count": len(outlets),
        "status": profile.status, "merged_into": profile.merged_into, "profile": dumps(profile.to_json()),
    }
    existing = repo.story_rows(conn, [profile.id]).get(profile.id)
    data = loads(existing.data) if existing is not None else {}
    data["outlets"] = outlets
    values["data"] = dumps(data)
    repo.save_story(conn, values)
    if profile.status != "active":
        repo.set_keys(conn, story_keys, profile.id, [])


def _arrivals(current: dict[str, str], decisions: Sequence[Decision]) -> dict[str, list[str]]:
    """Per story, the articles this batch added to it for the first time, when that is all that happened to it:
    such a story's events can be extended instead of re-clustered. A story that merged, split or holds an updated
    article is left out (it is re-linked in full)."""
    arrivals: dict[str, list[str]] = {}
    changed: set[str] = set()
    for decision in decisions:
        if decision.merged or decision.moved_from is not None or decision.article_id in current:
            changed.add(decision.story_id)
            changed.update(survivor for _, survivor, _ in decision.merged)
            if decision.moved_from is not None:
                changed.add(decision.moved_from)
            continue
        arrivals.setdefault(decision.story_id, []).append(decision.article_id)
    return {story_id: ids for story_id, ids in arrivals.items() if story_id not in changed}


def link_story_events(repo: LinkRepository, conn: Connection, story_id: str, report: StageReport,
                      arrivals: Sequence[str] | None = None) -> None:
    """Link the mentions of one story into canonical events and refresh the story's summary and facets.

    With ``arrivals`` (articles new to the story, arrived after all its others) their mentions are appended to
    the story's events, reading only the events they could join: the cost follows the new articles, not the
    story's size. Otherwise, or when an arrival is older than what the story holds, the story is re-clustered."""
    story = repo.story_rows(conn, [story_id]).get(story_id)
    if story is None:
        return
    if arrivals and story.status == "active" and _append_story_events(repo, conn, story, arrivals, report):
        return
    articles = repo.story_article_rows(conn, story_id) if story.status == "active" else []
    by_id = {row.id: row for row in articles}
    mention_rows = repo.mention_rows(conn, list(by_id))
    existing_rows = repo.story_event_rows(conn, story_id)
    if not mention_rows and not existing_rows:
        _update_story_summary(repo, conn, story, articles, [])
        return
    existing = {row.id: loads(row.data) for row in existing_rows}
    mentions = []
    for row in mention_rows:
        article = by_id[row.article_id]
        mentions.append(MentionInfo(event=Event.from_dict(loads(row.data)), seq=int(article.seq),
                                    outlet=article.outlet, title=article.title or "",
                                    published_at=article.published_at, previous=row.event_id))
    candidates = {event_id_for(m.id) for m in mentions} - set(existing)
    taken = set(repo.event_rows(conn, candidates)) if candidates else set()
    now = utcnow()
    result = link_mentions(story_id, mentions, existing, taken=taken, now=now)
    for data in result.events:
        old = existing.get(data["id"])
        if old is not None and old == data:
            continue
        repo.save_event(conn, _event_values(data))
        repo.set_keys(conn, event_keys, data["id"], _event_facets(data))
        report.counts["events_written"] += 1
    for old_id, survivor, reason in result.retired:
        repo.retire_event(conn, old_id, survivor, reason)
        if survivor is None:
            repo.record_merge(conn, "event", old_id, "", reason)
        report.counts["event_merges"] += 1
    before = {row.id: row.event_id for row in mention_rows}
    repo.set_mention_events(conn, {mid: eid for mid, eid in result.assignment.items() if before.get(mid) != eid})
    _link_claims(repo, conn, list(by_id), result.assignment, {row.id: row.article_id for row in mention_rows})
    _update_story_summary(repo, conn, story, articles, result.events)


def _link_claims(repo: LinkRepository, conn: Connection, article_ids: Sequence[str],
                 assignment: dict[str, str], mention_article: dict[str, str]) -> None:
    """claims.event_id from the claim's mention; a claim without one goes to its article's only event."""
    rows = repo.claim_rows(conn, article_ids)
    if not rows:
        return
    per_article: dict[str, set[str]] = {}
    for mention_id, event_id in assignment.items():
        per_article.setdefault(mention_article[mention_id], set()).add(event_id)
    changes: dict[str, str | None] = {}
    for row in rows:
        target = assignment.get(row.mention_id) if row.mention_id else None
        if target is None:
            events = per_article.get(row.article_id, set())
            target = next(iter(events)) if len(events) == 1 else None
        if row.event_id != target:
            changes[row.id] = target
    repo.set_claim_events(conn, changes)


def _event_values(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": data["id"], "story_id": data.get("story_id"), "event_type": data.get("event_type") or "",
        "sub_event_type": data.get("sub_event_type") or "", "plover_type": data.get("plover_type") or "",
        "date_start": data.get("date_start"), "date_end": data.get("date_end"), "place": data.get("place"),
        "country": data.get("iso2"), "latitude": data.get("latitude"), "longitude": data.get("longitude"),
        "fatalities": data.get("fatalities"), "status": "active", "merged_into": None, "data": dumps(data),
        "updated_at": dt.datetime.fromisoformat(data["updated_at"]) if data.get("updated_at") else utcnow(),
    }


def _event_facets(data: dict[str, Any]) -> list[tuple[str, str]]:
    facets: list[tuple[str, str]] = []
    if data.get("place"):
        facets.append(("place", str(data["place"])))
    if data.get("admin1"):
        facets.append(("place", str(data["admin1"])))
    if data.get("country"):
        facets.append(("place", str(data["country"])))
    for key in ("actor1", "actor2"):
        if data.get(key):
            facets.append(("actor", str(data[key])))
    for actor in data.get("assoc_actors") or []:
        if actor.get("name"):
            facets.append(("actor", str(actor["name"])))
    for outlet in data.get("outlets") or []:
        facets.append(("outlet", str(outlet)))
    for key in ("event_type", "sub_event_type", "plover_type", "disorder_type"):
        if data.get(key):
            facets.append(("event_type", str(data[key])))
    return facets


def _append_story_events(repo: LinkRepository, conn: Connection, story: Any, arrivals: Sequence[str],
                         report: StageReport) -> bool:
    """Append the mentions of articles new to an active story to its events (see ``link_story_events``).
    False when an arrival is not newer than every article the story holds: then only a full re-link is exact."""
    arrived = repo.article_rows(conn, arrivals)
    if len(arrived) != len(set(arrivals)):
        return False
    if repo.holds_later_articles(conn, story.id, min(int(row.seq) for row in arrived.values()), list(arrived)):
        return False
    mention_rows = repo.mention_rows(conn, list(arrived))
    new = [MentionInfo(event=Event.from_dict(loads(row.data)), seq=int(arrived[row.article_id].seq),
                       outlet=arrived[row.article_id].outlet, title=arrived[row.article_id].title or "",
                       published_at=arrived[row.article_id].published_at) for row in mention_rows]
    candidates: set[str] = set()
    for mention in new:
        candidates.update(repo.candidate_event_ids(conn, story.id, mention.event))
    members: dict[str, list[MentionInfo]] = {}
    for row in repo.event_mention_rows(conn, candidates):
        members.setdefault(row.event_id, []).append(MentionInfo(
            event=Event.from_dict(loads(row.data)), seq=int(row.seq), outlet=row.outlet, title=row.title or "",
            published_at=row.published_at, previous=row.event_id))
    appended = append_mentions(members, new)
    stamp = utcnow().isoformat()
    olds = {event_id: loads(row.data) for event_id, row in repo.event_rows(conn, appended.grown).items()}
    written = [(olds.get(event_id), finish_event(event_id, story.id, cluster, olds.get(event_id), stamp))
               for event_id, cluster in appended.grown.items()]
    used = set(repo.event_rows(conn, {event_id_for(c[0].id) for c in appended.created})) | set(members)
    for cluster in appended.created:
        event_id = new_event_id(cluster[0], used)
        used.add(event_id)
        written.append((None, finish_event(event_id, story.id, cluster, None, stamp)))
    new_ids = {m.id for m in new}
    assignment: dict[str, str] = {}
    for _, data in written:
        repo.save_event(conn, _event_values(data))
        repo.set_keys(conn, event_keys, data["id"], _event_facets(data))
        report.counts["events_written"] += 1
        assignment.update({mid: data["id"] for mid in data["mention_ids"] if mid in new_ids})
    repo.set_mention_events(conn, assignment)
    _link_claims(repo, conn, list(arrived), assignment, {row.id: row.article_id for row in mention_rows})
    summary = loads(story.data) if story.data else {}
    tally = summary.get("tally")
    if tally is None:  # a story summarised before tallies were kept: count its events once
        tally = event_tally(loads(row.data) for row in repo.story_event_rows(conn, story.id))
    else:
        for old, data in written:
            if old is not None:
                count_event(tally, old, -1)
            count_event(tally, data, +1)
    _write_story_summary(repo, conn, story, tally, _grown_stats(repo, conn, story.id, summary, arrived.values()))
    return True




def _grown_stats(repo: LinkRepository, conn: Connection, story_id: str, summary: Mapping[str, Any],
                 arrived: Iterable[Any]) -> dict[str, Any]:
    """The article stats of a story that only gained ``arrived``: the kept stats and theirs combined, so a big
    story is not aggregated again; a story summarised before the stats were kept is aggregated once."""
    kept = summary.get("article_stats")
    if not isinstance(kept, dict):
        row, outlets = repo.story_article_stats(conn, story_id)
        return {"count": int(row.count), "first": row.first, "last": row.last, "outlets": outlets}
    new = article_stats(arrived)
    starts = [s for s in (kept.get("first"), kept.get("last"), new["first"], new["last"]) if s]
    return {"count": int(kept.get("count") or 0) + new["count"], "first": min(starts) if starts else None,
            "last": max(starts) if starts else None,
            "outlets": sorted(set(kept.get("outlets") or []) | set(new["outlets"]))}










def _update_story_summary(repo: LinkRepository, conn: Connection, story: Any, articles: Sequence[Any],
                          events: Sequence[dict[str, Any]]) -> None:
    _write_story_summary(repo, conn, story, event_tally(events), article_stats(articles) if articles else None,
                         relinked=True)


def _write_story_summary(repo: LinkRepository, conn: Connection, story: Any, tally: dict[str, dict[str, int]],
                         stats: dict[str, Any] | None, relinked: bool = False) -> None:
    """The story's summary (outlets, places, event types, countries), counts and facets. ``stats`` (see
    ``article_stats``) are kept with it for the next append; without them (a merged-away story, no articles
    left) the outlets stay what they were and the counts are not touched. ``relinked``: the events were
    re-clustered, so the reconcile stage must take the whole story (not only what arrived)."""
    data = loads(story.data)
    if relinked:
        data["reconcile_all"] = True
    outlets = list(stats["outlets"]) if stats is not None else list(data.get("outlets") or [])
    data["outlets"] = outlets
    for group in ("places", "event_types", "countries"):
        data[group] = ranked(tally.get(group) or {})
    data["tally"] = tally
    values: dict[str, Any] = {}
    if stats is not None and stats["count"]:
        data["article_stats"] = stats
        values["article_count"] = stats["count"]
        values["outlet_count"] = len(outlets)
        if stats["first"]:
            values["first_seen"] = stats["first"]
            values["last_seen"] = stats["last"]
    values["data"] = dumps(data)
    repo.update_story(conn, story.id, **values)
    if story.status == "active":
        facets = [("outlet", o) for o in outlets] + [("place", p) for p in data["places"]]
        facets += [("place", c) for c in data["countries"]] + [("event_type", t) for t in data["event_types"]]
        for key in ranked(tally.get("facets") or {}):
            kind, _, label = key.partition("\t")
            facets.append((kind, label))
        repo.set_keys(conn, story_keys, story.id, facets)

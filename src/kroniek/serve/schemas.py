"""What the JSON API answers, as pydantic models: the OpenAPI document is generated from them, so a client can be
generated from it and a schema check (``tests/test_api_schema.py``, schemathesis) compares every answer with it.

The routes build their answers from the read model (``kroniek.store``) and hand them out as they are; these models
describe them and are not used to rebuild them (a list of 500 events would be validated field by field on every
request). Every object allows further fields: a newer kroniek may add one, and old clients go on working.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field


class Open(BaseModel):
    """A JSON object with at least these fields; a newer version may add others."""

    model_config = ConfigDict(extra="allow")


# --- errors ---------------------------------------------------------------------------------------------------------


class Error(Open):
    error: str = Field(description="what went wrong, naming the parameter or id")


class ValidationProblem(Error):
    details: list[str] = Field(default_factory=list, description="one line per bad parameter: 'name: reason'")


def errors(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The error answers a route can give, for its ``responses=`` (every API route gets 400, 405, 413 and 429
    from the server's guards, and 422 for parameters)."""
    described = {
        400: (Error, "a malformed request (NUL characters in the URL, a body that is not JSON)"),
        401: (Error, "no valid write token"),
        404: (Error, "no such id, name or format"),
        405: (Error, "the server is read-only (only POST /api/articles writes, with a write token)"),
        413: (Error, "a request body larger than [serve] max_request_bytes"),
        422: (ValidationProblem, "invalid or unknown parameters"),
        429: (Error, "too busy (too many requests or exports at once): retry after Retry-After seconds"),
    }
    wanted = sorted({400, 405, 413, 422, 429, *codes})
    return {code: {"model": described[code][0], "description": described[code][1]} for code in wanted}


# --- events ---------------------------------------------------------------------------------------------------------


class Claim(Open):
    """One source's figure under a reconciled figure."""

    claim_id: str
    value: int | None = None
    low: int | None = None
    high: int | None = None
    vague: str | None = None
    qualifier: str | None = None
    text: str | None = Field(None, description="the number as written")
    group: str | None = None
    group_type: str | None = None
    attribution: list[str] = Field(default_factory=list, description="outlet › agency › original source")
    source: str | None = None
    outlet: str | None = None
    article_id: str | None = None
    unconfirmed: bool = False
    published_at: str | None = None
    subset: bool = False
    spanning: bool = False
    review: bool = Field(False, description="above the plausibility bound of its kind: shown, never coded")
    share: float | None = None
    original_value: int | None = None
    range: str | None = Field(None, description="the range as shown ('> 2000' for an open top)")


class Figure(Open):
    """A reconciled figure of one kind and group: coded value, UCDP-style low/best/high, the claims beneath."""

    event_id: str | None = None
    kind: str = Field(description="killed, injured, arrested, missing, displaced or crowd")
    group_type: str | None = None
    coded: int | None = Field(None, description="the value ACLED's conservative rule codes")
    low: int | None = None
    best: int | None = None
    high: int | None = None
    high_open: bool = False
    disagreement: bool = False
    explanation: str | None = None
    sources: list[str] = Field(default_factory=list)
    outlets: list[str] = Field(default_factory=list)
    claims: list[Claim] = Field(default_factory=list)
    range: str | None = None


class Evidence(Open):
    field: str = Field(description="trigger, actor1, actor2, place, date, number, …")
    start: int = Field(description="character offset in the article's text (title, blank line, body)")
    end: int
    text: str | None = None
    article_id: str | None = None


class Mention(Open):
    """One article's report of the event."""

    mention_id: str
    article_id: str
    outlet: str | None = None
    title: str | None = None
    published_at: str | None = None
    published_label: str | None = None
    sentence: int | None = None
    trigger: str | None = None
    evidence: list[Evidence] = Field(default_factory=list)
    attribution: list[str] | None = Field(None, description="who the report attributes the event to, where its "
                                          "sentence says (outlet › agency › source)")


class FirstReport(Open):
    article_id: str | None = None
    published_at: str | None = None
    sentence: int | None = None


class HistoryEntry(Open):
    at: str | None = None
    action: str


class EventSummary(Open):
    """A canonical event (ACLED and PLOVER fields) without its mentions; ``mention_count`` counts them."""

    id: str
    story_id: str | None = None
    event_id_cnty: str | None = Field(None, description="ACLED-style id: ISO3 + a per-country number, never reused")
    date: str | None = Field(None, description="to its precision: '2022-01-05', '2022-01', '2022'")
    date_precision: str | None = Field(None, description="datetime, day, week, month or year")
    time_precision: int | None = Field(None, description="ACLED's 1 (day), 2 (week), 3 (month or vaguer)")
    date_start: str | None = None
    date_end: str | None = None
    date_label: str | None = None
    acled_date: str | None = Field(None, description="the day the ACLED export writes (midpoint rule)")
    disorder_type: str | None = None
    event_type: str | None = None
    sub_event_type: str | None = None
    plover_type: str | None = None
    plover_mode: str | None = None
    actor1: str | None = None
    actor1_type: str | None = None
    actor1_country: str | None = None
    actor1_code: str | None = None
    actor2: str | None = None
    actor2_type: str | None = None
    actor2_country: str | None = None
    actor2_code: str | None = None
    assoc_actors: list[Any] = Field(default_factory=list)
    place: str | None = None
    admin1: str | None = None
    country: str | None = None
    iso2: str | None = None
    iso_numeric: int | None = None
    region: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    geo_precision: int | None = Field(None, description="ACLED's 1 (the place), 2 (near it), 3 (a region)")
    geonameid: int | None = None
    issue: str | None = None
    contexts: list[str] = Field(default_factory=list, description="negated, hypothetical, future, historical, …")
    happened: bool = True
    outlets: list[str] = Field(default_factory=list)
    article_ids: list[str] = Field(default_factory=list)
    mention_ids: list[str] = Field(default_factory=list)
    merged_ids: list[str] = Field(default_factory=list)
    figures: list[Figure] = Field(default_factory=list)
    fatalities: int | None = None
    notes: str | None = None
    line: str | None = Field(None, description="the timeline's one-line summary")
    created_at: str | None = None
    updated_at: str | None = None
    mention_count: int | None = None
    first_report: FirstReport | None = None
    attributions: list[list[str]] | None = Field(None, description="the distinct attribution chains of its reports")


class Event(EventSummary):
    """A canonical event in full: its mentions with their evidence spans, and its history."""

    mentions: list[Mention] = Field(default_factory=list)
    history: list[HistoryEntry] = Field(default_factory=list)


# --- stories --------------------------------------------------------------------------------------------------------


class StorySummary(Open):
    id: str
    title: str | None = None
    status: str | None = None
    first_seen: str | None = None
    last_seen: str | None = None
    last_seen_end: str | None = None
    first_seen_precision: str | None = None
    last_seen_precision: str | None = None
    first_seen_label: str | None = None
    last_seen_label: str | None = None
    article_count: int = 0
    outlet_count: int = 0
    event_count: int | None = None
    outlets: list[str] = Field(default_factory=list)
    places: list[str] = Field(default_factory=list)
    countries: list[str] = Field(default_factory=list)
    event_types: list[str] = Field(default_factory=list)
    updated_at: str | None = None
    events: list[EventSummary] | None = Field(None, description="with full=true: the latest 20 events")


class StoryArticle(Open):
    id: str
    outlet: str | None = None
    title: str | None = None
    url: str | None = None
    published_at: str | None = None
    published_label: str | None = None
    date_precision: str | None = None
    language: str | None = None
    similarity: float | None = None


class Coverage(Open):
    outlet: str
    first: str | None = None
    last: str | None = None
    first_label: str | None = None
    last_label: str | None = None
    count: int = 0


class FigureSummaryRow(Open):
    """One row of the story's figures summary: a kind and group with its coded value, range and claims."""

    kind: str
    label: str | None = None
    group: str | None = None
    coded: int | None = None
    range: str | None = None
    disagreement: bool = False
    explanations: list[str] = Field(default_factory=list)
    events: int = 0
    claims: list[Claim] = Field(default_factory=list)


class Name(Open):
    name: str
    label: str | None = Field(None, description="PER, LOC, ORG or MISC")
    mentions: int = 0
    articles: int = 0
    other_labels: list[str] = Field(default_factory=list)


class Story(StorySummary):
    """One story: its articles (first page; ``article_total`` counts all), coverage per outlet, events in
    timeline order, reconciled figures, the figures summary, merges and the names most reported."""

    events: list[EventSummary] = Field(default_factory=list)  # type: ignore[assignment]
    articles: list[StoryArticle] = Field(default_factory=list)
    article_total: int = 0
    coverage: list[Coverage] = Field(default_factory=list)
    figures: list[Figure] = Field(default_factory=list)
    figures_summary: list[FigureSummaryRow] = Field(default_factory=list)
    merges: list[dict[str, Any]] = Field(default_factory=list)
    names: list[Name] = Field(default_factory=list)


# --- articles -------------------------------------------------------------------------------------------------------


class ArticleSummary(Open):
    id: str
    outlet: str | None = None
    url: str | None = None
    title: str | None = None
    display_title: str | None = Field(None, description="the title, or an untitled article's first sentence")
    untitled: bool | None = None
    published_at: str | None = None
    date_precision: str | None = None
    language: str | None = None
    source: str | None = None
    source_line: int | None = None
    ingested_at: str | None = None
    arrival: int | None = None


class MentionRecord(Open):
    """An event as the extract stage found it in one article (before linking)."""

    id: str
    article_id: str
    sentence: int | None = None
    trigger: str | None = None
    event_type: str | None = None
    sub_event_type: str | None = None
    contexts: list[str] = Field(default_factory=list)
    evidence: list[Evidence] = Field(default_factory=list)


class ClaimRecord(Open):
    """A figure as one article reports it: the number's offsets, value, hedge, group and attribution."""

    id: str
    kind: str
    article_id: str
    start: int
    end: int
    text: str | None = None
    value: int | None = None
    low: int | None = None
    high: int | None = None
    vague: str | None = None
    qualifier: str | None = None
    group: str | None = None
    group_type: str | None = None
    attribution: list[str] = Field(default_factory=list)
    unconfirmed: bool = False
    sentence: int | None = None
    event_id: str | None = None
    contexts: list[str] = Field(default_factory=list)
    source_spans: list[Evidence] = Field(default_factory=list, description="the words naming the figure's source")


class Article(ArticleSummary):
    text: str | None = None
    events: list[MentionRecord] = Field(default_factory=list)
    figures: list[ClaimRecord] = Field(default_factory=list)


class StoredResult(Open):
    index: int
    status: str = Field(description="added, updated, unchanged or rejected")
    id: str | None = None
    reason: str | None = None


class StoredArticles(Open):
    received: int
    rejected: list[str] = Field(default_factory=list)
    results: list[StoredResult] = Field(default_factory=list)
    stored: dict[str, Any] = Field(default_factory=dict)


# --- pages of results -----------------------------------------------------------------------------------------------


class Paging(Open):
    total: int
    limit: int
    offset: int
    next_offset: int | None = Field(None, description="the offset of the next page; null on the last")


class StoryPage(Paging):
    items: list[StorySummary]


class FacetValue(Open):
    value: str | None = None
    label: str | None = None
    count: int
    selected: bool = False


class Facet(Open):
    param: str = Field(description="the parameter that narrows the list to a value")
    values: list[FacetValue] = Field(default_factory=list)
    more: int = Field(0, description="values not listed (the most frequent are)")
    selected: Any = None


class ListPage(Paging):
    """A page of a list with the filters applied, the sort and, where asked, facet counts over the whole
    filtered set."""

    items: list[dict[str, Any]]
    sort: str | None = None
    filters: dict[str, Any] = Field(default_factory=dict)
    facets: dict[str, Facet] | None = None


class EventPage(ListPage):
    items: list[Event | EventSummary]  # type: ignore[assignment]


class ArticlePage(ListPage):
    items: list[ArticleSummary]  # type: ignore[assignment]


class Place(Open):
    name: str
    count: int = 0
    country: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    last: str | None = None


class Actor(Open):
    name: str
    count: int = 0
    last: str | None = None


class PlaceEvents(Open):
    place: str
    events: list[Event]


class ActorEvents(Open):
    actor: str
    events: list[Event]


class Deleted(Open):
    event_id_cnty: str
    deleted_timestamp: int = Field(description="Unix seconds")


class Suggestions(Open):
    kind: str
    prefix: str
    items: list[str]


# --- search ---------------------------------------------------------------------------------------------------------


class Segment(Open):
    text: str
    match: bool = False


class Sentence(Open):
    offset: int
    segments: list[Segment]


class Hit(Open):
    article_id: str
    outlet: str | None = None
    title: str | None = None
    title_segments: list[Segment] = Field(default_factory=list)
    published_at: str | None = None
    date_precision: str | None = None
    url: str | None = None
    score: float | None = None
    sentences: list[Sentence] = Field(default_factory=list)


class SearchGroup(Open):
    story_id: str | None = None
    title: str | None = None
    article_count: int | None = None
    first_seen: str | None = None
    last_seen: str | None = None
    matching_articles: int = 0
    names: list[Any] = Field(default_factory=list)
    hits: list[Hit] = Field(default_factory=list)


class Clause(Open):
    words: list[str]
    excluded: bool = False


class SearchResult(Open):
    query: str
    clauses: list[Clause] = Field(default_factory=list)
    engine: str = Field(description="sqlite (FTS5) or postgresql (tsvector)")
    total_articles: int
    total_groups: int
    complete: bool = True
    items: list[SearchGroup]
    limit: int
    offset: int
    next_offset: int | None = None


# --- the map (GeoJSON) ----------------------------------------------------------------------------------------------


class Point(Open):
    type: Literal["Point"]
    coordinates: list[float] = Field(min_length=2, max_length=3, description="longitude, latitude (RFC 7946)")


class MapFeature(Open):
    type: Literal["Feature"]
    id: str | None = None
    geometry: Point
    properties: dict[str, Any]


class LegendEntry(Open):
    label: str
    slug: str
    count: int


class MapCollection(Open):
    type: Literal["FeatureCollection"]
    features: list[MapFeature]
    total: int = Field(description="events matching the filters")
    unlocated: int = Field(0, description="of those, events without coordinates")
    truncated: bool = False
    legend: list[LegendEntry] = Field(default_factory=list)


# --- exports --------------------------------------------------------------------------------------------------------


EXPORT_CONTENT: dict[str, dict[str, Any]] = {
    "text/csv": {"schema": {"type": "string"}, "example": "event_id_cnty,event_date,year,…"},
    "application/json": {"schema": {"type": "array", "items": {"type": "object"}}},
    "application/x-ndjson": {"schema": {"type": "string"}},
    "application/geo+json": {"schema": {"type": "object"}},
}


def answers(model: Any, *codes: int, description: str = "") -> dict[int | str, dict[str, Any]]:
    """``responses=`` for a JSON route: its answer's model and the errors it can give."""
    ok: dict[str, Any] = {"model": model}
    if description:
        ok["description"] = description
    return {200: ok, **errors(*codes)}

"""Story clustering on hand-written Dutch articles: joins across outlets, keeps topics apart, decays with time,
keeps ids stable and records merges."""

from __future__ import annotations

import datetime as dt

import pytest

from kroniek.config import Settings, load_settings
from kroniek.link.features import extract_features, normalise
from kroniek.link.stage import LinkStage
from kroniek.link.stories import ClusterOptions, DocumentFrequencies, StoryClusterer, story_id_for
from kroniek.model import Article, Document, Entity, PartialDate, Sentence, Token
from kroniek.store.query import get_story, list_stories
from kroniek.store.repository import Store

HARLINGEN_A = (
    "Bij een grote brand in een loods in de haven van Harlingen is donderdagnacht een opslag van kunstmest "
    "verloren gegaan. De brandweer van Fryslân zette drie blusboten in. Burgemeester Wietske Veenstra liet de "
    "omgeving ontruimen vanwege de rook. Volgens de veiligheidsregio kwamen er geen giftige stoffen vrij.")
HARLINGEN_B = (
    "De loods met kunstmest in de Harlinger haven is na de brand van donderdagnacht volledig verwoest. "
    "Burgemeester Veenstra bedankte de brandweer en de bemanning van de blusboten. De veiligheidsregio Fryslân "
    "meldt dat de rookwolk geen gevaar meer oplevert voor omwonenden van de haven.")
ZWOLLE = (
    "In Zwolle is een woningbrand in de wijk Holtenbroek snel geblust. De brandweer was binnen vijf minuten ter "
    "plaatse. Een bewoner werd nagekeken door ambulancepersoneel. De oorzaak van de brand was een oververhitte "
    "wasdroger, aldus een woordvoerder van de veiligheidsregio IJsselland.")
SCHAAK = (
    "Schaakgrootmeester Anish Giri heeft het toernooi in Wijk aan Zee gewonnen na een spannende slotronde tegen "
    "Magnus Carlsen. Giri speelde met wit en dwong in de laatste uren remise af, genoeg voor de eindzege in het "
    "Tata Steel Chess Tournament.")
ENGLISH = (
    "A large fire destroyed a fertiliser warehouse in the port of Harlingen overnight. Mayor Wietske Veenstra "
    "ordered the area evacuated because of the smoke. Fire crews from Fryslân used three fireboats.")


def art(text: str, outlet: str, day: str, title: str = "", url: str | None = None) -> Article:
    return Article(outlet=outlet, text=text, title=title, url=url or f"https://{outlet}.example/{abs(hash(text))}",
                   published=PartialDate.parse(day))


def settings(**link: object) -> Settings:
    base = load_settings()
    data = dict(base.data)
    data["link"] = dict(base.section("link"), **link)
    return Settings(data)


def run_link(store: Store, articles: list[Article], conf: Settings | None = None) -> None:
    store.ingest_batch(articles)
    LinkStage().run(store, conf or settings())


def story_of(store: Store, article_id: str) -> str:
    for story in list_stories(store):
        full = get_story(store, story["id"])
        assert full is not None
        if article_id in {a["id"] for a in full["articles"]}:
            return str(story["id"])
    raise AssertionError(f"{article_id} is in no story")


def test_same_story_across_outlets_joins(store: Store) -> None:
    a = art(HARLINGEN_A, "Leeuwarder Courant", "2024-05-02", "Grote brand in havenloods Harlingen")
    b = art(HARLINGEN_B, "NOS", "2024-05-03", "Havenloods Harlingen verwoest door brand")
    run_link(store, [a, b])
    stories = list_stories(store)
    assert len(stories) == 1
    assert stories[0]["outlets"] == ["Leeuwarder Courant", "NOS"]
    assert stories[0]["outlet_count"] == 2 and stories[0]["article_count"] == 2
    assert stories[0]["id"] == story_id_for(a.id)  # derived from the first article, stable


def test_shared_topic_words_do_not_make_one_story(store: Store) -> None:
    a = art(HARLINGEN_A, "Leeuwarder Courant", "2024-05-02", "Grote brand in havenloods Harlingen")
    z = art(ZWOLLE, "De Stentor", "2024-05-02", "Woningbrand in Zwolle snel geblust")
    s = art(SCHAAK, "NOS", "2024-05-02", "Giri wint in Wijk aan Zee")
    run_link(store, [a, z, s])
    assert len({story_of(store, x.id) for x in (a, z, s)}) == 3


def test_article_without_document_and_in_english_still_links(store: Store) -> None:
    a = art(HARLINGEN_A, "Leeuwarder Courant", "2024-05-02", "Grote brand in havenloods Harlingen")
    e = art(ENGLISH, "Reuters", "2024-05-02", "Fire destroys Harlingen port warehouse")
    run_link(store, [a, e], settings(story_model="hand", story_threshold=0.1))
    assert story_of(store, a.id) == story_of(store, e.id)


def test_without_the_embedding_model_the_fallback_threshold_applies(store: Store,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from kroniek.link import embed

    monkeypatch.setattr(embed, "available", lambda: False)
    a = art(HARLINGEN_A, "Leeuwarder Courant", "2024-05-02", "Grote brand in havenloods Harlingen")
    b = art(HARLINGEN_B, "NOS", "2024-05-03", "Havenloods Harlingen verwoest door brand")
    z = art(ZWOLLE, "De Stentor", "2024-05-02", "Woningbrand in Zwolle snel geblust")
    run_link(store, [a, b, z], settings(story_model="hand", story_embedding_weight=1.0, story_threshold=0.99,
                                        story_threshold_without_embedding=0.2))
    assert story_of(store, a.id) == story_of(store, b.id) != story_of(store, z.id)


def clusterer(**options: object) -> StoryClusterer:
    return StoryClusterer(ClusterOptions(**options), DocumentFrequencies())  # type: ignore[arg-type]


def test_time_decay_not_a_window() -> None:
    first = extract_features(art(HARLINGEN_A, "LC", "2024-05-02", "Brand in havenloods Harlingen"))
    near = extract_features(art(HARLINGEN_B, "NOS", "2024-05-04", "Havenloods Harlingen verwoest"))
    far = extract_features(art(HARLINGEN_B, "RTV", "2024-06-20", "Havenloods Harlingen verwoest"))
    c = clusterer(threshold=0.2, half_life_days=7.0, max_age_days=365)
    founded = c.assign(first)
    story = c.stories[founded.story_id]
    vector = c.vector(near)
    two_days = c.score(near, vector, story)
    later = c.score(far, vector, story)
    gap = (dt.date(2024, 6, 20) - dt.date(2024, 5, 4)).days
    assert later == pytest.approx(two_days * 0.5 ** (gap / 7.0))  # smooth half-life decay from last_seen
    assert c.assign(near).story_id == founded.story_id
    assert c.assign(far).created  # 7 weeks later the same words no longer reach the threshold


def test_old_stories_are_frozen_out_of_the_candidates() -> None:
    c = clusterer(threshold=0.05, half_life_days=10_000.0, max_age_days=30)
    old = c.assign(extract_features(art(HARLINGEN_A, "LC", "2024-01-02", "Brand Harlingen")))
    c.assign(extract_features(art(SCHAAK, "NOS", "2024-03-01", "Giri wint")))  # moves the clock on
    assert old.story_id not in c.stories
    again = c.assign(extract_features(art(HARLINGEN_B, "NOS", "2024-03-02", "Havenloods Harlingen")))
    assert again.created


def test_candidate_retrieval_stays_small() -> None:
    c = clusterer(threshold=0.3, candidates=5)
    for i in range(60):
        text = f"Wethouder Jansen{i} opent in dorp Plaats{i} de nieuwe bibliotheek nummer{i} met boeken{i}."
        c.assign(extract_features(art(text, "krant", "2024-05-02", f"Bibliotheek Plaats{i}")))
    vector = c.vector(extract_features(art(HARLINGEN_A, "LC", "2024-05-02", "Brand Harlingen")))
    assert len(c.candidates(vector)) <= 5


def test_story_ids_are_stable_across_runs(store: Store) -> None:
    a = art(HARLINGEN_A, "Leeuwarder Courant", "2024-05-02", "Grote brand in havenloods Harlingen")
    run_link(store, [a])
    first = story_of(store, a.id)
    b = art(HARLINGEN_B, "NOS", "2024-05-03", "Havenloods Harlingen verwoest door brand")
    run_link(store, [b])  # a new run loads the live stories back from the store
    assert story_of(store, b.id) == first == story_id_for(a.id)
    LinkStage().run(store, settings())  # nothing pending: nothing changes
    assert [s["id"] for s in list_stories(store)] == [first]


def test_bridging_article_merges_stories_and_records_it(store: Store) -> None:
    conf = settings(story_model="hand", story_threshold=0.3, story_merge_threshold=0.3)
    a = art(HARLINGEN_A, "Leeuwarder Courant", "2024-05-02", "Brand in havenloods")
    z = art(SCHAAK, "NOS", "2024-05-02", "Giri wint toernooi")
    run_link(store, [a, z], conf)
    assert story_of(store, a.id) != story_of(store, z.id)
    bridge = art(HARLINGEN_A + " " + SCHAAK, "Omrop Fryslân", "2024-05-03", "Brand in havenloods; Giri wint toernooi")
    run_link(store, [bridge], conf)
    survivor = story_of(store, bridge.id)
    assert survivor == story_of(store, a.id) == story_of(store, z.id) == story_id_for(a.id)  # the older id lives on
    story = get_story(store, survivor)
    assert story is not None
    assert [(m["old_id"], m["new_id"]) for m in story["merges"]] == [(story_id_for(z.id), survivor)]
    redirected = get_story(store, story_id_for(z.id))
    assert redirected is not None and redirected["id"] == survivor
    assert redirected["redirected_from"] == story_id_for(z.id)


def test_updated_article_that_no_longer_fits_is_split_off(store: Store) -> None:
    conf = settings(story_model="hand", story_threshold=0.2)
    a = art(HARLINGEN_A, "Leeuwarder Courant", "2024-05-02", "Brand in havenloods Harlingen",
            url="https://lc.example/1")
    b = art(HARLINGEN_B, "NOS", "2024-05-02", "Havenloods Harlingen verwoest", url="https://nos.example/1")
    run_link(store, [a, b], conf)
    assert story_of(store, a.id) == story_of(store, b.id)
    changed = art(SCHAAK, "NOS", "2024-05-02", "Giri wint in Wijk aan Zee", url="https://nos.example/1")
    run_link(store, [changed], conf)  # same url: an update of b with other news
    assert story_of(store, changed.id) != story_of(store, a.id)
    story = get_story(store, story_of(store, a.id))
    assert story is not None and story["article_count"] == 1
    assert any(m["reason"].startswith("split") for m in story["merges"])


def test_document_lemmas_and_entities_are_used() -> None:
    text = "De demonstranten protesteerden in Almaty."
    tokens = [Token("De", 0, 2, "de", "LID"), Token("demonstranten", 3, 16, "demonstrant", "N(soort,mv)"),
              Token("protesteerden", 17, 30, "protesteren", "WW(pv,verl,mv)"), Token("in", 31, 33, "in", "VZ"),
              Token("Almaty", 34, 40, "Almaty", "SPEC(deeleigen)"), Token(".", 40, 41, ".", "LET")]
    doc = Document("x", text, "nl", [Sentence(0, 41, tokens, deep=True)],
                   [Entity("Almaty", "LOC", 34, 40, 0, canonical="Almaty", country="KZ")])
    article = Article(outlet="krant", text=text, id="x")
    features = extract_features(article, doc)
    assert normalise("protesteren") in features.terms and normalise("demonstranten") in features.terms
    assert "@almaty" in features.terms and features.places == {"@almaty": "Almaty"}


@pytest.mark.parametrize(("model", "gap_days", "together"), [
    ("hand", 2, True), ("hand", 20, True), ("hand", 45, False),
    ("learned", 2, True), ("learned", 8, True), ("learned", 45, False),
])
def test_default_settings_keep_close_follow_ups_for_weeks(store: Store, monkeypatch: pytest.MonkeyPatch, model: str,
                                                          gap_days: int, together: bool) -> None:
    from kroniek.link import embed

    # The hand score: a close follow-up 20 days later still joins (half-life 14 days); 45 days later it starts a
    # story. The learned model joins follow-ups of its training stretch's days and beyond them halves its
    # probability every half-life: weeks later the same subject is a new story.
    monkeypatch.setattr(embed, "available", lambda: False)  # the fallback scale: the same on every machine
    first = dt.date(2024, 5, 2)
    a = art(HARLINGEN_A, "Leeuwarder Courant", first.isoformat(), "Grote brand in havenloods Harlingen")
    later = (first + dt.timedelta(days=gap_days)).isoformat()
    b = art(HARLINGEN_B, "NOS", later, "Havenloods Harlingen verwoest door brand")
    run_link(store, [a, b], settings(story_model=model))
    assert (story_of(store, a.id) == story_of(store, b.id)) is together

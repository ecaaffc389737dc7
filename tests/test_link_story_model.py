"""The learned story similarity (kroniek.link.similarity): the shipped weights, the comparison's range, and the
same stories whatever the batch size, on articles written for these tests."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

from kroniek.config import Settings, load_settings
from kroniek.link.features import extract_features
from kroniek.link.similarity import CLASSIFY_FEATURES, RANK_FEATURES, load_model
from kroniek.link.stage import LinkStage
from kroniek.link.stories import ClusterOptions, DocumentFrequencies, StoryClusterer
from kroniek.model import Article, PartialDate
from kroniek.store import schema
from kroniek.store.repository import Store

TOPICS = {
    "dijk": ("Dijk bij {p} verzakt", "Bij {p} is een stuk van de Maasdijk over {n} meter verzakt. Waterschap "
             "Aa en Maas legt zandzakken en houdt de dijk dag en nacht in de gaten. Dijkgraaf Lucas Verhoef zegt "
             "dat bewoners van de polder voorlopig niet weg hoeven."),
    "staking": ("Buschauffeurs {p} leggen werk neer", "Chauffeurs van vervoerder Arriva in {p} staken {n} uur "
                "voor een hogere cao. Vakbond FNV wil dat de werkdruk omlaag gaat; Arriva noemt de eis "
                "onbetaalbaar. Reizigers moeten uitwijken naar de trein."),
    "museum": ("Museum in {p} krijgt schilderij terug", "Het Rijksmuseum Twenthe in {p} krijgt na {n} jaar een "
               "gestolen schilderij van Salomon van Ruysdael terug. Het doek dook op bij een veiling in Londen. "
               "Directeur Marieke Wolters spreekt van een wonder."),
    "wolf": ("Wolf gezien bij {p}", "Op de Veluwe bij {p} is een wolf gefilmd die {n} schapen zou hebben "
             "gedood. Schapenhouder Gert Bosman eist maatregelen van de provincie Gelderland. Gedeputeerde Peter "
             "Drenth wil eerst DNA-onderzoek."),
}
PLACES = ["Venlo", "Roermond", "Maasbracht", "Weert", "Echt", "Stein"]


def articles() -> list[Article]:
    found = []
    for day in range(6):
        for index, (topic, (title, text)) in enumerate(TOPICS.items()):
            place = PLACES[(day + index) % len(PLACES)]
            found.append(Article(outlet=f"krant{(day + index) % 3}", title=title.format(p=place),
                                 text=text.format(p=place, n=10 + day * 7 + index), url=f"https://x.example/{topic}/{day}",
                                 published=PartialDate.parse(f"2024-06-{10 + day // 2:02d}")))
    return found


def learned(batch_size: int) -> Settings:
    base = load_settings()
    data = dict(base.data)
    data["link"] = dict(base.section("link"), story_model="learned", batch_size=batch_size)
    return Settings(data)


def partition(store: Store) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = {}
    with store.engine.connect() as conn:
        for row in conn.execute(schema.story_articles.select()):
            groups.setdefault(row.story_id, set()).add(row.article_id)
    return {frozenset(g) for g in groups.values()}


def similarities(store: Store) -> dict[str, float | None]:
    with store.engine.connect() as conn:
        return {row.article_id: row.similarity for row in conn.execute(schema.story_articles.select())}


def test_the_shipped_weights_load_and_say_how_they_were_fitted() -> None:
    data = json.loads(resources.files("kroniek.link").joinpath("story_model.json").read_text(encoding="utf-8"))
    assert any("tune" in line for line in data["header"])
    for variant in ("embedding", "no_embedding"):
        model = load_model(variant)
        assert set(model.ranker.features) <= set(RANK_FEATURES)
        assert set(model.classifier.features) <= set(CLASSIFY_FEATURES)
        assert ("embedding" in model.classifier.features) == (variant == "embedding")
        # the strongest evidence points the right way: more alike text, names and embedding rank a story higher
        ranker = dict(zip(model.ranker.features, model.ranker.weights, strict=True))
        assert all(ranker[name] > 0 for name in ("text", "names", "gap") if name in ranker)
        assert variant == "no_embedding" or ranker["embedding"] > 0
    assert sum(len(load_model(v).ranker.features) + len(load_model(v).classifier.features) + 1
               for v in ("embedding", "no_embedding")) < 100  # a few dozen numbers, not a model


def test_the_comparison_stays_in_range() -> None:
    c = StoryClusterer(ClusterOptions(model="learned"), DocumentFrequencies())
    for article in articles():
        features = extract_features(article)
        seen = c.observe(features)
        for _, values in c.compare(seen):
            assert set(values) == set(CLASSIFY_FEATURES)
            assert all(0.0 <= v <= 1.0 for v in values.values()), values
        c.commit(seen, None)


def test_each_topic_is_one_story_and_topics_stay_apart(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    from kroniek.link import embed

    monkeypatch.setattr(embed, "available", lambda: False)  # the no-embedding weights: the same on every machine
    batch = articles()
    store.ingest_batch(batch)
    LinkStage().run(store, learned(100))
    topic_of = {a.id: str(a.url).split("/")[3] for a in batch}
    for group in partition(store):
        assert len({topic_of[i] for i in group}) == 1  # no story mixes two topics
    assert len(partition(store)) <= 2 * len(TOPICS)  # and most of each topic is together


@pytest.mark.parametrize("batch_size", [1, 7])
def test_the_same_stories_whatever_the_batch_size(tmp_path: Path, batch_size: int) -> None:
    """Batches of 1 and 7 give the stories of one batch of 100 (each batch is a transaction of its own, and the
    live stories and document frequencies are carried from one to the next)."""
    batch = articles()
    found = []
    for size in (100, batch_size):
        store = Store.open(f"sqlite:///{tmp_path / f'batch{size}.db'}")
        try:
            store.ingest_batch(batch)
            LinkStage().run(store, learned(size))
            found.append(partition(store))
        finally:
            store.close()
    assert found[0] == found[1]


def test_the_same_stories_when_each_batch_is_a_new_run(tmp_path: Path) -> None:
    """A run per batch of 7 (the live stories loaded back from the store each time) decides as one run, to the
    similarity: what a new run has not seen yet (document frequencies of a story's places and title words) is
    loaded, not taken as unseen."""
    batch = articles()
    one = Store.open(f"sqlite:///{tmp_path / 'one.db'}")
    many = Store.open(f"sqlite:///{tmp_path / 'many.db'}")
    try:
        one.ingest_batch(batch)
        LinkStage().run(one, learned(100))
        for start in range(0, len(batch), 7):
            many.ingest_batch(batch[start:start + 7])
            LinkStage().run(many, learned(7))
        assert partition(one) == partition(many)
        assert similarities(one) == similarities(many)
    finally:
        one.close()
        many.close()


FIRE = [
    ("Grote brand in havenloods Harlingen", "Bij een grote brand in een loods in de haven van Harlingen is "
     "donderdagnacht een opslag van kunstmest verloren gegaan. De brandweer van Fryslân zette drie blusboten in. "
     "Burgemeester Wietske Veenstra liet de omgeving ontruimen vanwege de rook."),
    ("Havenloods Harlingen verwoest door brand", "De loods met kunstmest in de Harlinger haven is na de brand "
     "volledig verwoest. Burgemeester Veenstra bedankte de brandweer en de bemanning van de blusboten. De "
     "veiligheidsregio Fryslân meldt dat de rookwolk geen gevaar meer oplevert."),
]
ON_FIRE = ("De brand in de havenloods van Harlingen had voorkomen kunnen worden. Waarom lag er zoveel kunstmest "
           "in een oude loods? Burgemeester Veenstra moet uitleggen waarom de haven zo slecht werd gecontroleerd. "
           "Sietske Hoekstra, Franeker.")
ON_FIRE_TOO = ("Wat een werk hebben de brandweerlieden met hun blusboten verzet in de haven van Harlingen. De rook "
               "van de kunstmest hing tot in Franeker. Dank aan de veiligheidsregio Fryslân. Jelle de Boer, "
               "Harlingen.")
OTHER = ["De nieuwe dienstregeling van de bus naar Leeuwarden is een ramp: de laatste bus rijdt om negen uur. "
         "Anne Postma, Dokkum.",
         "Het zwembad in Sneek gaat dicht voor renovatie, terwijl de zomer eraan komt. Waarom nu? Pieter Kok, "
         "Sneek.",
         "Goed dat de gemeente de bibliotheek openhoudt. Lezen is belangrijk voor kinderen. Marije Smit, "
         "Bolsward."]


def letters_page(letters: list[str]) -> Article:
    return Article(outlet="krant", title="Brieven", text=" ".join(letters), url=f"https://x.example/{hash(tuple(letters))}",
                   published=PartialDate.parse("2024-05-03"))


@pytest.mark.parametrize(("letters", "joins"), [([ON_FIRE, *OTHER], False), ([ON_FIRE, ON_FIRE_TOO, OTHER[0]], True)])
def test_a_letters_page_joins_only_when_the_story_holds_most_of_it(letters: list[str], joins: bool) -> None:
    c = StoryClusterer(ClusterOptions(model="learned", model_variant="no_embedding", idf_prior_docs=100),
                       DocumentFrequencies())
    founded = [c.assign(extract_features(Article(outlet=f"k{i}", title=t, text=x, url=f"https://k.example/{i}",
                                                 published=PartialDate.parse("2024-05-02"))))
               for i, (t, x) in enumerate(FIRE)]
    page = extract_features(letters_page(letters))
    assert page.genre == "letters" and page.genre_items == len(letters)
    decision = c.assign(page)
    assert (decision.story_id == founded[0].story_id) is joins

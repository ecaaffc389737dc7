"""What story clustering sees of an article: stubs measured without their title, embeddings that do not depend on
the batch an article arrives in."""

from __future__ import annotations

import pytest

from kroniek.analyse.pipeline import analyse_text
from kroniek.link import embed
from kroniek.link.features import extract_features
from kroniek.link.stories import ClusterOptions, DocumentFrequencies, StoryClusterer
from kroniek.model import Article, PartialDate

STRIP_TITLE = "Kees en Keetje wandelen langs de nieuwe dijk bij Lauwersoog"


def art(text: str, title: str, day: str, outlet: str = "krant") -> Article:
    return Article(outlet=outlet, text=text, title=title, url=f"https://{outlet}.example/{abs(hash((text, day)))}",
                   published=PartialDate.parse(day))


def test_a_long_title_over_an_empty_body_is_a_stub_raw_and_analysed() -> None:
    empty = art("", STRIP_TITLE, "2024-05-02")
    raw = extract_features(empty)
    analysed = extract_features(empty, analyse_text("", title=STRIP_TITLE, published=empty.published))
    assert raw.body_terms == 0 and analysed.body_terms == 0  # the title's words are not body
    assert len(raw.title_terms) >= 5  # ... although the title alone has plenty
    body = art("De dijkgraaf opende vrijdag de versterkte zeedijk; wandelaars en fietsers mogen er weer op.",
               STRIP_TITLE, "2024-05-02")
    assert extract_features(body).body_terms >= 5


def test_the_same_strip_on_other_days_stays_apart() -> None:
    c = StoryClusterer(ClusterOptions(threshold=0.3, stub_terms=5, stub_threshold=0.8), DocumentFrequencies())
    monday = c.assign(extract_features(art("", STRIP_TITLE, "2024-05-06")))
    thursday = c.assign(extract_features(art("", STRIP_TITLE, "2024-05-09")))
    assert thursday.created and thursday.story_id != monday.story_id


@pytest.mark.skipif(not embed.available(), reason="the sentence-embedding model is not installed")
def test_an_embedding_does_not_depend_on_its_batch() -> None:
    short = "Brand in havenloods Harlingen"
    long = ("De loods met kunstmest in de Harlinger haven is na de brand van donderdagnacht volledig verwoest. "
            "Burgemeester Veenstra bedankte de brandweer en de bemanning van de blusboten. ") * 3
    alone = embed.embed_texts([short])
    together = embed.embed_texts([short, long])
    assert alone is not None and together is not None
    assert alone[0] == together[0]


def test_the_embedding_reads_the_first_thousand_characters_by_default() -> None:
    filler = "De gemeenteraad vergaderde lang over de begroting en de nieuwe bibliotheek. " * 10  # ~770 chars
    text = filler + "Pas daarna kwam de brand in de haven van Harlingen ter sprake."
    article = art(text, "Raad vergadert", "2024-05-02")
    lead = extract_features(article).lead
    assert lead.startswith("Raad vergadert. ") and "Harlingen" in lead
    assert len(lead) <= len("Raad vergadert. ") + 1000


def test_cosine_keeps_each_norm_with_its_vector() -> None:
    from kroniek.link.features import cosine

    short = {"brand": 1.0}
    long = {"brand": 2.0, "haven": 2.0, "loods": 1.0}  # norm 3
    assert abs(cosine(short, long, 3.0) - 2.0 / 3.0) < 1e-9
    assert abs(cosine(long, short, 1.0) - 2.0 / 3.0) < 1e-9


def test_profile_embedding_round_trips_exactly_and_old_lists_still_read() -> None:
    import json

    import numpy as np

    from kroniek.link.stories import StoryProfile

    vector = np.asarray([0.1, -0.25, 1 / 3, 0.0], dtype=np.float32)
    profile = StoryProfile(id="s1", embedding=vector)
    stored = json.loads(json.dumps(profile.to_json()))
    assert isinstance(stored["embedding"], str)
    again = StoryProfile.from_json("s1", stored).embedding
    assert again is not None and again.dtype == np.float32 and np.array_equal(again, vector)
    older = dict(stored, embedding=[float(x) for x in vector])  # as profiles were written before
    old = StoryProfile.from_json("s1", older).embedding
    assert old is not None and np.array_equal(old, vector)

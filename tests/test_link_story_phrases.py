"""Title word pairs: letters under one heading ("brand harlingen", "brand harlingen ii") join one story; a pair of
two names (a dateline, a columnist) and a rubric title do not count; lower-case names in a title are names."""

from __future__ import annotations

from kroniek.link.features import extract_features, title_phrases
from kroniek.link.stories import ClusterOptions, DocumentFrequencies, StoryClusterer, StoryProfile
from kroniek.model import Article, PartialDate

LETTERS = [
    ("brand harlingen Eindelijk wordt er naar de buurt geluisterd",
     "Na de brand in de loods aan de haven sliepen wij twee nachten slecht. Goed dat de gemeente nu komt praten. "
     "Jan de Vries, Franeker."),
    ("brand harlingen ii De brandweer verdient een lintje",
     "Wat hebben die mannen hard gewerkt, de hele nacht in de rook. Zonder hen was de wijk afgebrand. "
     "Ria Bakker, Sneek."),
    ("brand in harlingen iii Waarom lag daar kunstmest?",
     "Ik begrijp niet dat zoveel kunstmest zo dicht bij de huizen mocht liggen. Wie heeft dat ooit goedgekeurd? "
     "Piet Hoekstra, Bolsward."),
]


def art(title: str, text: str, day: str, outlet: str = "krant") -> Article:
    url = f"https://{outlet}.example/{abs(hash((title, text, day)))}"
    return Article(outlet=outlet, text=text, title=title, url=url, published=PartialDate.parse(day))


def test_title_phrases_skip_function_words_and_keep_lower_case_headings() -> None:
    heading = title_phrases("brand harlingen Eindelijk wordt er naar de buurt geluisterd")
    assert heading & title_phrases("brand in harlingen iii Waarom lag daar kunstmest?")
    assert title_phrases("Brand in de haven") == {"brand haven"}  # one capital word next to a plain one


def test_a_pair_of_two_names_is_not_a_phrase() -> None:
    assert "den haag" not in title_phrases("Rijbewijs kwijt na achtervolging. DEN HAAG")
    assert "ozcan akyol" not in title_phrases("Heilig boontje. Column Özcan Akyol")
    names = {"@thierry": "Thierry Baudet", "@baudet": "Thierry Baudet"}
    assert "thierry baudet" not in title_phrases("thierry baudet Hij toont weinig respect", names)


def test_a_lower_case_name_in_the_title_is_the_name_of_the_text() -> None:
    article = art("aanslag harlingen Wat een drama", "Het drama in Harlingen raakt ons allemaal, schrijft de lezer.",
                  "2024-05-03")
    features = extract_features(article)
    assert "@harlingen" in features.title_terms and "harlingen" not in features.title_terms


def test_letters_under_one_heading_join_one_story() -> None:
    def run(phrase_weight: float) -> set[str]:
        clusterer = StoryClusterer(ClusterOptions(threshold=0.6, phrase_weight=phrase_weight), DocumentFrequencies())
        for index in range(12):  # other news of the day, so that idf means something
            clusterer.assign(extract_features(art(f"Nieuws {index}", f"Bericht nummer {index} over iets anders: "
                                                  f"de markt, het weer, de trein en de school {index}.",
                                                  "2024-05-03")))
        return {clusterer.assign(extract_features(art(t, x, "2024-05-03"))).story_id for t, x in LETTERS}

    assert len(run(0.0)) > 1  # the letters share few words: on their text alone they stay apart
    assert len(run(0.5)) == 1


def test_a_shared_phrase_needs_the_same_days() -> None:
    clusterer = StoryClusterer(ClusterOptions(threshold=0.6, phrase_weight=0.5, half_life_days=7.0),
                               DocumentFrequencies())
    first = clusterer.assign(extract_features(art(*LETTERS[0], "2024-05-03")))
    later = clusterer.assign(extract_features(art(*LETTERS[1], "2024-07-20")))
    assert later.created and later.story_id != first.story_id


def test_a_rubric_title_counts_no_phrase_and_profiles_keep_them() -> None:
    clusterer = StoryClusterer(ClusterOptions(threshold=0.6, phrase_weight=0.5), DocumentFrequencies())
    one = clusterer.assign(extract_features(art("Column over het weekend", "De trein was weer te laat vandaag.",
                                                "2024-05-03")))
    profile = clusterer.stories[one.story_id]
    assert "column weekend" in profile.title_phrases
    again = extract_features(art("Column over het weekend", "Mijn kat at de tulpen van de buren op.", "2024-05-03"))
    assert clusterer.is_rubric(again)  # the title was seen before on other text
    assert clusterer.phrase_share(again, profile) == 0.0
    restored = StoryProfile.from_json(profile.id, profile.to_json())
    assert restored.title_phrases == profile.title_phrases

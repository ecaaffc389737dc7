"""Shared rare names: a same-day sidebar (a profile, a reaction) scoring below the story threshold still joins the
story it names, when at least two of its strongest names are rare ones among the story's strongest terms; common
names, a single name or a sidebar days later do not let it in."""

from __future__ import annotations

from kroniek.link.features import extract_features
from kroniek.link.stories import ClusterOptions, Decision, DocumentFrequencies, StoryClusterer
from kroniek.model import Article, PartialDate

MAIN = ("Miljoenen via Kestrelbank weggesluisd",
        "Via de kleine Kestrelbank in Lemmer is jarenlang zwart geld van Russische zakenlieden weggesluisd, blijkt "
        "uit gelekte bankgegevens. Volgens de gegevens liep het geld van Voronov via brievenbusfirma's naar "
        "rekeningen bij de Kestrelbank. Justitie in Leeuwarden onderzoekt de transacties. De bank zegt mee te werken "
        "aan het onderzoek naar witwassen. Ook Rutte reageerde in Utrecht op de onthulling van de Kestrelbank.")
SIDEBAR = ("De voormalige directeur weet van niets",
           "Hij zat twaalf jaar aan het roer, maar heeft nooit iets vreemds opgemerkt, zegt de oud-directeur van de "
           "Kestrelbank in zijn woonkamer. Dat Voronov klant was, wist hij wel: een prettige man, altijd beleefd. "
           "Dat er Voronov achter die firma's zat, hoorde hij pas uit de krant. Zijn opvolger wil niet reageren.")
COMMON_ONLY = ("De voormalige directeur weet van niets",
               "Hij zat twaalf jaar aan het roer, maar heeft nooit iets vreemds opgemerkt, zegt de oud-directeur in "
               "zijn woonkamer. Dat Rutte in Utrecht was, wist hij wel: een prettige man, altijd beleefd. Dat er "
               "Rutte achter die firma's zat, hoorde hij pas uit de krant in Utrecht. Zijn opvolger wil niet reageren.")
ONE_NAME = ("De voormalige directeur weet van niets",
            "Hij zat twaalf jaar aan het roer, maar heeft nooit iets vreemds opgemerkt, zegt de oud-directeur van de "
            "Kestrelbank in zijn woonkamer. Een prettige klant, altijd beleefd. Wie er achter die firma's zat, hoorde "
            "hij pas uit de krant. Zijn opvolger wil niet reageren.")


def art(title: str, text: str, day: str) -> Article:
    return Article(outlet="krant", text=text, title=title, url=f"https://krant.example/{abs(hash((title, text, day)))}",
                   published=PartialDate.parse(day))


def place(sidebar: tuple[str, str], sidebar_day: str = "2024-05-03", **options: float) -> tuple[Decision, Decision]:
    clusterer = StoryClusterer(ClusterOptions(threshold=0.6, **options), DocumentFrequencies())  # type: ignore[arg-type]
    for index in range(15):  # other news of the days: Rutte and Utrecht are in the news every day
        clusterer.assign(extract_features(art(f"Nieuws {index}", f"Premier Rutte sprak in Utrecht over de markt, het "
                                              f"weer, de trein en de school {index}. Rutte bleef kalm in Utrecht.",
                                              "2024-05-03")))
    main = clusterer.assign(extract_features(art(*MAIN, "2024-05-03")))
    return main, clusterer.assign(extract_features(art(*sidebar, sidebar_day)))


def test_a_sidebar_below_the_threshold_joins_the_story_it_names() -> None:
    main, sidebar = place(SIDEBAR)
    assert sidebar.created  # on its words alone the profile of the director stays apart
    best = dict(sidebar.scores)[main.story_id]
    assert 0.05 < best < 0.6
    main, sidebar = place(SIDEBAR, name_threshold=0.05)
    assert not sidebar.created and sidebar.story_id == main.story_id
    assert round(sidebar.similarity or 0.0, 4) == best


def test_common_names_a_single_name_or_other_days_keep_it_apart() -> None:
    for text in (COMMON_ONLY, ONE_NAME):
        main, sidebar = place(text, name_threshold=0.01)
        assert dict(sidebar.scores)[main.story_id] >= 0.01  # the score would do: the names decide
        assert sidebar.created  # Rutte and Utrecht are in every article; one shared name is not enough
    main, later = place(SIDEBAR, "2024-05-08", name_threshold=0.01)
    assert dict(later.scores)[main.story_id] >= 0.01 and later.created  # five days later
    assert place(SIDEBAR, name_threshold=0.05, name_shared=3)[1].created
    assert not place(SIDEBAR, "2024-05-04", name_threshold=0.05)[1].created  # the next day still joins


def test_the_name_options_come_from_the_settings() -> None:
    options = ClusterOptions.from_settings({"story_name_threshold": 0.45, "story_name_shared": 2,
                                            "story_name_days": 1, "story_name_rarity": 0.7})
    assert (options.name_threshold, options.name_shared, options.name_days, options.name_rarity) == (0.45, 2, 1.0, 0.7)
    assert ClusterOptions().name_threshold == 0.0  # off unless configured

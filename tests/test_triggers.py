"""The class lexicon and its matcher: every entry's own example, Dutch inflection, separable verbs, compounds and
word boundaries, on sentences written for these tests."""

from __future__ import annotations

import pytest

from kroniek.analyse.morphology import conjugate, noun_forms, pluralise, split_prefix, weak_stem
from kroniek.extract.triggers import Entry, load_lexicon, match_text, match_tokens, trigger_lexicon
from kroniek.model import Token

LEXICON = trigger_lexicon()
ENTRIES = LEXICON.entries


def _id(entry: Entry) -> str:
    return f"{entry.cls}:{entry.lemma}"


@pytest.mark.parametrize("entry", ENTRIES, ids=[_id(e) for e in ENTRIES])
def test_every_entry_matches_its_own_example(entry: Entry) -> None:
    hits = match_text(entry.example)
    assert any(hit.entry == entry for hit in hits), [(h.cls, h.entry.lemma) for h in hits]


def test_every_class_codes_an_event_or_a_casualty() -> None:
    from kroniek.extract.lexicon import lexicon

    codings = lexicon("nl").codings
    for cls in LEXICON.classes.values():
        assert cls.entries, cls.name
        assert cls.type in codings or (cls.type == "" and cls.casualty in ("killed", "injured")), cls.name


def classes(sentence: str) -> set[str]:
    return {hit.cls for hit in match_text(sentence)}


@pytest.mark.parametrize("sentence", [
    "Een agent schoot de vluchtende overvaller neer.",  # split: finite form, particle at the end
    "De overvaller werd door een agent neergeschoten.",  # fused participle
    "De agent probeerde de overvaller neer te schieten.",  # particle + te + infinitive
    "Het is onduidelijk waarom de agent de overvaller neerschoot.",  # fused finite form in a subordinate clause
    "De overvaller werd neer geschoten.",  # written apart
])
def test_one_separable_entry_covers_every_form(sentence: str) -> None:
    assert any(h.entry.lemma == "neer|schieten" for h in match_text(sentence))


def test_a_particle_in_another_clause_or_a_preposition_is_not_the_particle() -> None:
    assert not any(h.entry.lemma == "neer|schieten" for h in match_text("Hij schoot, en de man viel neer."))
    assert "arrest" not in classes("De conducteur pakte de krant op tafel.")
    assert "arrest" in classes("De politie pakte de twee mannen op in Hasselt.")
    # "OM" is the prosecution service, not the particle "om"
    assert "killing" not in classes("Het team brengt politie en OM samen.")


def test_a_verb_with_another_particle_is_another_verb() -> None:
    assert "clash" not in classes("De partij besloot de uitslag aan te vechten.")
    assert "clash" not in classes("De partij vocht de uitslag van de verkiezing aan.")
    assert "clash" in classes("De rebellen vochten twee dagen om de brug.")


@pytest.mark.parametrize(("sentence", "expected"), [
    ("Bij een mesaanval raakte een toerist gewond.", True),  # compound head
    ("De granaataanval trof een bus.", True),
    ("De aanvaller vluchtte weg.", False),  # an agent noun, not the act
    ("Het team speelde aanvallend.", False),  # a stem inside another word
    ("Hij kreeg een hartaanval tijdens het sporten.", False),  # a compound that is something else
    ("De paniekaanval duurde een kwartier.", False),
])
def test_compounds_by_their_head_and_never_a_stem_inside_a_word(sentence: str, expected: bool) -> None:
    assert ("assault" in classes(sentence) or "bombing" in classes(sentence)) is expected


def test_idioms_need_their_words_in_the_clause() -> None:
    assert "assault" in classes("Drie mannen sloegen de portier gisteravond in elkaar.")
    assert "assault" not in classes("De portier sloeg alarm.")
    assert "arson" in classes("Jongeren staken drie auto's in brand.")
    assert "strike" not in classes("Jongeren staken drie auto's in brand.")
    assert "strike" in classes("De buschauffeurs staken sinds maandag.")
    assert "dying" in classes("Bij de ramp kwamen vier mensen om het leven.")
    assert "dying" not in classes("Hij kwam om zijn fiets op te halen.")


def test_homographs_of_other_words_are_left_out() -> None:
    # "doden" is also the plural noun (the dead), "betoog" an argument, "aanhoudt" persisting
    assert "killing" not in classes("Bij het ongeval vielen drie doden.")
    assert "dying" in classes("Bij het ongeval vielen drie doden.")
    assert "protest" not in classes("Zijn betoog overtuigde de jury niet.")
    assert "arrest" not in classes("Het is onduidelijk hoe lang de droogte aanhoudt.")
    assert "arrest" in classes("De politie hield de bestuurder aan.")


def test_a_prison_where_something_else_happened_is_no_detention() -> None:
    assert "detention" in classes("De oud-burgemeester zit sinds vrijdag in de cel.")
    assert "detention" not in classes("Bij een muiterij in de gevangenis raakten drie cipiers gewond.")
    assert "detention" not in classes("Een cipier werd in de gevangenis aangevallen.")
    # another phrase of the same class does not make it a setting
    assert "detention" in classes("De verdachte werd in de gevangenis opgesloten.")


def test_people_named_after_an_act_are_not_the_act() -> None:
    # "een gedetineerde" is an inmate; "is gedetineerd" says someone is held
    assert "detention" not in classes("Een gedetineerde klom op het dak van het gebouw.")
    assert "detention" in classes("De journalist is al twee jaar gedetineerd.")
    # burglars and thieves who "strike" commit a property crime, not an assault
    assert "assault" not in classes("Woninginbrekers sloegen vannacht toe in drie straten.")
    assert "assault" not in classes("Zakkenrollers sloegen toe op de kerstmarkt.")
    assert "assault" in classes("Twee gemaskerde mannen sloegen toe bij een benzinestation.")


def test_a_capitalised_name_is_not_a_lowercase_word() -> None:
    assert "protest" not in classes("De missie naar Mars vertrekt volgend jaar.")
    assert "protest" in classes("Een mars tegen geweld trok door de stad.")


def test_frog_lemmas_match_where_frog_saw_the_sentence() -> None:
    # a strong form the rules would not produce, given with Frog's lemma and tag
    tokens = [Token("De", 0, 2, "de", "LID(bep)"), Token("man", 3, 6, "man", "N(soort)"),
              Token("schootte", 7, 15, "schieten", "WW(pv,verl,ev)"), Token("hem", 16, 19, "hem", "VNW"),
              Token("neer", 20, 24, "neer", "BW()")]
    assert any(h.entry.lemma == "neer|schieten" for h in match_tokens(tokens))


def test_hits_have_offsets_in_the_text() -> None:
    text = "Gisteren schoot een agent de man neer."
    [hit] = [h for h in match_text(text, 100) if h.entry.lemma == "neer|schieten"]
    assert (hit.start, hit.end) == (109, 137)


def test_a_lexicon_entry_needs_an_example() -> None:
    with pytest.raises(ValueError):
        load_lexicon('[classes.x]\ntype = ""\nentries = [ { verb = "slaan" } ]\n')


# --- Dutch inflection -------------------------------------------------------------------------------------


@pytest.mark.parametrize(("lemma", "forms"), [
    ("schieten", {"schiet", "schoot", "schoten", "geschoten"}),  # strong
    ("beschieten", {"beschoot", "beschoten"}),  # inseparable prefix: no ge-, forms of the base
    ("mishandelen", {"mishandelt", "mishandelde", "mishandeld"}),  # schwa syllable kept, no ge-
    ("molesteren", {"molesteert", "molesteerde", "gemolesteerd"}),  # stressed -eren
    ("plunderen", {"plundert", "plunderde", "geplunderd"}),  # native -eren
    ("betogen", {"betoogt", "betoogde", "betoogd"}),  # vowel doubling
    ("kwetsen", {"kwetst", "kwetste", "gekwetst"}),  # 't kofschip
    ("leven", {"leeft", "leefde", "geleefd"}),  # v devoiced, -de by the voiced v
    ("vermoorden", {"vermoordt", "vermoordde", "vermoord"}),
    ("executeren", {"executeerde", "geëxecuteerd"}),  # diaeresis after ge-
    ("overlijden", {"overleed", "overleden"}),  # inseparable "over"
    ("ontslaan", {"ontsloeg", "ontslagen", "ontslaat"}),
])
def test_conjugation(lemma: str, forms: set[str]) -> None:
    assert forms <= conjugate(lemma).fused


def test_separable_verbs_split_and_fuse() -> None:
    forms = conjugate("op|pakken")
    assert {"pakt", "pakte", "pakten"} <= forms.finite
    assert {"oppakken", "opgepakt", "opgepakte", "oppakte"} <= forms.fused
    assert "gepakt" in forms.participles
    assert {"vastgezet", "vastgezette"} <= conjugate("vast|zetten").fused


def test_prefixes_and_stems() -> None:
    assert split_prefix("vermoorden") == ("ver", "moorden")
    assert split_prefix("geven") == ("", "geven")
    assert weak_stem("pakken") == ("pak", "k")
    assert weak_stem("reizen") == ("reis", "z")


@pytest.mark.parametrize(("noun", "plural"), [
    ("aanval", "aanvallen"), ("moord", "moorden"), ("staking", "stakingen"), ("arrestatie", "arrestaties"),
    ("rel", "rellen"), ("betoger", "betogers"), ("straat", "straten"), ("aanslag", "aanslagen"),
    ("strafmaatregel", "strafmaatregelen"),
])
def test_plurals(noun: str, plural: str) -> None:
    assert plural in pluralise(noun)
    assert noun in noun_forms(noun)

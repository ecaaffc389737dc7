"""Sense and assertion of one trigger hit: does this word, here, report a specific event that happened to people?

The trigger lexicon finds words of an event class ("aanval", "schoot ... neer", "gearresteerd"); this layer reads
the hit's context and says, for every hit:

- ``victim``: "human", "animal", "object" or None (not said): a dog bitten or a car set alight is no attack on people;
- ``literal``: False for figurative uses ("een aanval op de persvrijheid", "een moordende concurrentie");
- ``generic``: True for a statistic or a habit rather than one event ("jaarlijks sterven honderden fietsers");
- ``referred``: why the act is only referred to, not reported as news ("trial", "charge", "funeral",
  "commemoration", "anniversary", "demand", "media", "account"), or None: a referred act is a context on the story,
  not a new event.

Optional fields (added for the trigger matcher; all default to "nothing found"):

- ``agent``: "animal" when the doer is an animal ("gebeten door een hond"); looked for on acts only, not on a death
  or an injury, which need no doer;
- ``deliberate``: False for an accident, a test or an exercise ("gasexplosie", "gecontroleerde ontploffing");
  not decided for deaths and injuries, which accidents cause too;
- ``asserted``: False when the act itself is only alleged, planned, feared or demanded ("de vermeende aanslag",
  "vreest een aanval", "het OM eist vijf jaar cel"): it has not happened;
- ``property_target``: True when property is a normal target of the class (arson, shooting, bombing, attacks):
  a ``victim`` "object" then keeps the event;
- ``why``: which class of the layer decided, for error counts and for explaining an event.

How the matcher uses it (a note to the trigger matcher in ``extract/events.py`` and the EventDNA mapping in
``evaluate/events.py``):

- test ``sense.happened`` (the act took place, now or before) and ``sense.reports_event`` (it is also news of its
  own, not referred), not the single fields: ``victim == "object"`` is a normal target of arson, shooting,
  bombing and attacks ("de aanval op de politiepost") and does not cancel them (``property_target``), and
  ``asserted``, ``deliberate`` and ``agent`` also decide;
- not ``happened``: no event (figurative, generic, an animal, an accident, or only alleged, planned, feared or
  demanded: the old "alleged" context);
- ``happened`` but ``referred``: an event with the context "referred" (not news for the story). EventDNA codes
  such an act as an asserted event when its particulars are given ("het proces over de moord op X", "celstraf
  geëist voor een aanval met een mes", "veroordeeld voor zijn rol in de aanslag op ...": Attack, Asserted), so the
  EventDNA mapping keeps its label; so is an act named bare in a charge ("verdacht van moord"; reading it as a mere
  kind of act helped one tune document and nothing on check, so that rule was taken out). Death and injury words
  in such frames are not counted by the evaluation (``reports_event``): testing ``happened`` instead moved tune
  down 0.005 and check up 0.001.

Decisions, each from a class in ``nl/sense.toml`` (word classes, frames, idioms; the code knows no Dutch words):

1. The trigger's head token and its clause (punctuation, subordinators and relative words bound it).
2. Form: a present participle used as an adjective ("moordende concurrentie", "aanvallend spel") or a violence
   word as a degree word ("dodelijk saai", "doodmoe") is a quality, not an act.
3. Idioms by meaning (success, warning, upheaval, deadness, other senses, criticism beside a word of criticism).
4. Patient and agent from the phrases of the clause: an act noun's target is its "op"/"tegen" phrase (a
   nominalisation's "van" phrase), a passive or outcome verb's patient its subject, an active verb's its object;
   the doer is the "door" phrase or the subject. A compound's first part counts too ("dierenmishandeling").
5. Figurative: a contest noun with a domain modifier ("handelsoorlog", "politieke strijd"), an abstract target
   without weapons or casualties in the sentence ("aanval op de democratie"), play in a sport context, an emotion
   exploding; an arrest or strike word whose patient is a proceeding ("de zaak werd aangehouden").
6. Deliberate: accident causes, tests and exercises, vehicles colliding.
7. Referred: a frame (judging, suspecting, inquiring, demanding, burying, commemorating, an anniversary, a work
   about it, telling, intending) whose complement is the act: the act is in a phrase chained to the frame by the
   frame's prepositions, or the object of a frame verb, or the subject of a passive frame verb, or in a relative
   clause with one, or an infinitive under a frame verb. A frame noun that only sets the place or time of an act
   reported in its own clause ("tijdens de begrafenis werd geschoten") is no frame of that act.
   The act a frame names happened (it is presupposed) and is referred.
8. Hedges ("vermeende", "mogelijke") on an act noun; generic and statistical markers in the clause.
9. Tense: a finite verb of a future class ("roept op ... te", "wil", "gaat", "zal", "van plan ... te", "dreigt te")
   governing the act as its infinitive puts it after the moment of speaking (``planned``): not asserted, and the
   matcher keeps it as a future event (context "future"), never as one that took place.

Interface (kept stable: the trigger matcher in ``extract/events.py`` calls it for every hit):

    assess(doc, sentence_index, start, end, event_class) -> Sense

``start``/``end`` are document character offsets of the trigger, ``event_class`` is the trigger class of the hit
(``nl/triggers.toml``: "assault", "killing", "shooting", "stabbing", "torture", "sexual-violence", "bombing",
"arson", "hostage-taking", "kidnapping", "clash", "military-operation", "arrest", "detention", "sentence",
"protest", "strike", "riot", "dying", "injury", ...). Which classes need a human patient, which are judicial,
gatherings, outcomes or without victims is data (``[classes]`` in ``nl/sense.toml``); any other class is an act
of violence that takes property as a target too. Sentences Frog saw
are read from their lemmas and tags; other sentences from their words, with the grammar lists of the data file.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from importlib import resources
from typing import Any, NamedTuple

from kroniek.model import Document, Sentence

# --- the result ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sense:
    victim: str | None = None  # "human" | "animal" | "object" | None (not said)
    literal: bool = True
    generic: bool = False
    referred: str | None = None  # "trial", "charge", "funeral", "commemoration", "anniversary", "demand", ...
    agent: str | None = None  # "animal" when the doer is an animal
    deliberate: bool = True  # False: an accident, a test, an exercise
    asserted: bool = True  # False: only alleged, planned, feared or demanded
    property_target: bool = False  # an "object" victim is a normal target of this class
    why: str = ""  # the class of the layer that decided
    planned: str | None = None  # the tense class that puts the act in the future ("call", "shall", ...)

    @property
    def happened(self) -> bool:
        """The act took place as said, now or before: literal, deliberate, one event, not merely alleged or
        planned, and done to people (or to property, where property is a normal target)."""
        if not (self.literal and self.deliberate and self.asserted) or self.generic:
            return False
        if self.victim == "animal" or self.agent == "animal":
            return False
        return not (self.victim == "object" and not self.property_target)

    @property
    def reports_event(self) -> bool:
        """Whether the hit is a new, specific, literal event with (possibly) human victims."""
        return self.happened and self.referred is None


# --- the language knowledge, loaded once ------------------------------------------------------------------

Sequence = tuple[frozenset[str], ...]  # one set of alternatives per token; an empty set is any token


def _sequence(entry: str | list[str]) -> Sequence:
    items = [entry] if isinstance(entry, str) else entry
    return tuple(frozenset() if item == "*" else frozenset(item.split("|")) for item in items)


def _words_and_sequences(entries: list[Any]) -> tuple[frozenset[str], tuple[Sequence, ...]]:
    """Single words of a list apart (looked up), sequences apart (matched)."""
    single = frozenset(e for e in entries if isinstance(e, str) and " " not in e)
    sequences = tuple(_sequence(e if isinstance(e, list) else e.split()) for e in entries
                      if isinstance(e, list) or " " in e)
    return single, sequences


@dataclass(frozen=True)
class Frame:
    name: str
    words: frozenset[str]
    sequences: tuple[Sequence, ...]
    through: frozenset[str]
    refers: bool
    denies: str  # "", "all" or "justice"
    either_side: bool
    not_with_particle: frozenset[str] = frozenset()  # a particle in the clause makes the verb another one


@dataclass(frozen=True)
class Tense:
    """A class of verbs that, governing an act as its infinitive, put it in the future (``[tense]``)."""

    name: str
    words: frozenset[str]
    sequences: tuple[Sequence, ...]
    particles: frozenset[str]  # a separable particle the verb needs in the clause ("roept ... op")
    te: bool  # the act takes "te" ("dreigt te staken"); else it is a bare infinitive ("zullen staken")


@dataclass(frozen=True, eq=False)  # hashed by identity: loaded once, a key of the word caches
class Knowledge:
    people_only: frozenset[str]
    justice: frozenset[str]
    outcome: frozenset[str]
    gathering: frozenset[str]
    stoppage: frozenset[str]
    fighting: frozenset[str]
    nonviolent: frozenset[str]
    grammar: dict[str, frozenset[str]]
    of_object_suffixes: tuple[str, ...]
    participle_prefixes: tuple[str, ...]
    participle_endings: tuple[str, ...]
    present_participle_endings: tuple[str, ...]
    agent_preposition: str
    infinitive_marker: str
    endings: tuple[tuple[str, str], ...]
    double_vowels: str
    min_prefix: int
    min_head: int
    min_abstract_head: int
    victim_classes: dict[str, str]  # lemma -> "human" | "animal" | "object" | "abstract"
    abstract_suffixes: tuple[str, ...]
    abstract_exceptions: frozenset[str]
    abstract_exact_only: frozenset[str]
    procedure: frozenset[str]
    business: frozenset[str]
    sport: frozenset[str]
    emotion: frozenset[str]
    physical: frozenset[str]
    physical_sequences: tuple[Sequence, ...]
    contest_heads: tuple[str, ...]
    domain_adjectives: frozenset[str]
    domain_compounds: frozenset[str]
    intensifier_prefixes: tuple[str, ...]
    idioms: tuple[tuple[str, Sequence], ...]
    idiom_sequences: tuple[Sequence, ...]
    criticism_cues: frozenset[str]
    criticism_idioms: tuple[Sequence, ...]
    accident_causes: frozenset[str]
    accident_sequences: tuple[Sequence, ...]
    accident_heads: tuple[str, ...]
    controlled: frozenset[str]
    collision_heads: frozenset[str]
    generic_adverbs: frozenset[str]
    generic_phrases: tuple[Sequence, ...]
    statistic_words: frozenset[str]
    statistic_heads: frozenset[str]
    count_nouns: frozenset[str]
    generic_subjects: frozenset[str]
    frames: tuple[Frame, ...]
    frame_words: dict[str, tuple[Frame, ...]]
    frame_sequences: tuple[Sequence, ...]
    frame_of_sequence: tuple[Frame, ...]
    hedges: frozenset[str]
    nouns: frozenset[str] = field(default=frozenset())  # every listed noun: a shallow word that is one is a noun
    tenses: tuple[Tense, ...] = ()


def _frames_by_word(frames: list[Frame]) -> dict[str, tuple[Frame, ...]]:
    found: dict[str, list[Frame]] = {}
    for frame in frames:
        for word in frame.words:
            found.setdefault(word, []).append(frame)
    return {word: tuple(fs) for word, fs in found.items()}


@cache
def knowledge(language: str = "nl") -> Knowledge:
    text = resources.files(f"kroniek.extract.{language}").joinpath("sense.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    grammar_lists = {key: frozenset(value) for key, value in data["grammar"].items() if isinstance(value, list)}
    nouns = data["nouns"]
    victim_classes: dict[str, str] = {}
    # the first class listed wins a word in two: a person before an animal before a thing before an idea
    for name, kind in (("person", "human"), ("animal", "animal"), ("property", "object"), ("abstract", "abstract")):
        for lemma in nouns[name]["lemmas"]:
            victim_classes.setdefault(lemma, kind)
    physical, physical_sequences = _words_and_sequences(data["evidence"]["physical"])
    figurative = data["figurative"]
    special = ("criticism_cues", "criticism_idioms")  # used together, not as idioms of their own
    idioms = tuple((name, _sequence(entry)) for name, entries in figurative["idioms"].items() if name not in special
                   for entry in entries)
    deliberate = data["deliberate"]
    accident_causes, accident_sequences = _words_and_sequences(deliberate["accident_causes"])
    generic = data["generic"]
    frames = []
    for name, frame in data["frames"].items():
        words, sequences = _words_and_sequences(frame["words"])
        frames.append(Frame(name, words, sequences, frozenset(frame.get("through", [])),
                            bool(frame.get("refers", False)), str(frame.get("denies", "")),
                            bool(frame.get("either_side", False)), frozenset(frame.get("not_with_particle", []))))
    morphology = data["morphology"]
    grammar = data["grammar"]
    listed = frozenset(victim_classes) | frozenset(nouns["procedure"]["lemmas"]) | \
        frozenset(nouns["sport"]["lemmas"]) | frozenset(nouns["emotion"]["lemmas"])
    return Knowledge(
        people_only=frozenset(data["classes"]["people_only"]), justice=frozenset(data["classes"]["justice"]),
        outcome=frozenset(data["classes"]["outcome"]), gathering=frozenset(data["classes"]["gathering"]),
        stoppage=frozenset(data["classes"]["stoppage"]), fighting=frozenset(data["classes"]["fighting"]),
        nonviolent=frozenset(data["classes"]["nonviolent"]),
        grammar=grammar_lists,
        of_object_suffixes=tuple(grammar["of_object_suffixes"]),
        participle_prefixes=tuple(grammar["participle_prefixes"]),
        participle_endings=tuple(grammar["participle_endings"]),
        present_participle_endings=tuple(grammar["present_participle_endings"]),
        agent_preposition=grammar["agent_preposition"], infinitive_marker=grammar["infinitive_marker"],
        endings=tuple((a, b) for a, b in morphology["endings"]), double_vowels=morphology["double_vowels"],
        min_prefix=int(morphology["min_prefix"]), min_head=int(morphology["min_head"]),
        min_abstract_head=int(morphology["min_abstract_head"]),
        victim_classes=victim_classes, abstract_suffixes=tuple(nouns["abstract"]["suffixes"]),
        abstract_exceptions=frozenset(nouns["abstract"]["suffix_exceptions"]),
        abstract_exact_only=frozenset(nouns["abstract"]["exact_only"]),
        procedure=frozenset(nouns["procedure"]["lemmas"]), business=frozenset(nouns["business"]["lemmas"]),
        sport=frozenset(nouns["sport"]["lemmas"]),
        emotion=frozenset(nouns["emotion"]["lemmas"]), physical=physical, physical_sequences=physical_sequences,
        contest_heads=tuple(figurative["contest_heads"]),
        domain_adjectives=frozenset(figurative["domain_adjectives"]),
        domain_compounds=frozenset(figurative["domain_compounds"]),
        intensifier_prefixes=tuple(figurative["intensifier_prefixes"]), idioms=idioms,
        idiom_sequences=tuple(sequence for _name, sequence in idioms),
        criticism_cues=frozenset(figurative["idioms"]["criticism_cues"]),
        criticism_idioms=tuple(_sequence(e) for e in figurative["idioms"]["criticism_idioms"]),
        accident_causes=accident_causes, accident_sequences=accident_sequences,
        accident_heads=tuple(deliberate["accident_heads"]), controlled=frozenset(deliberate["controlled"]),
        collision_heads=frozenset(deliberate["collision_heads"]),
        generic_adverbs=frozenset(generic["adverbs"]),
        generic_phrases=tuple(_sequence(p) for p in generic["phrases"]),
        statistic_words=frozenset(generic["statistic_words"]), statistic_heads=frozenset(generic["statistic_heads"]),
        count_nouns=frozenset(generic["count_nouns"]), generic_subjects=frozenset(generic["generic_subjects"]),
        frames=tuple(frames), frame_words=_frames_by_word(frames),
        frame_sequences=tuple(seq for f in frames for seq in f.sequences),
        frame_of_sequence=tuple(f for f in frames for _seq in f.sequences),
        hedges=frozenset(data["hedges"]["words"]), nouns=listed,
        tenses=tuple(Tense(name, *_words_and_sequences(t["words"]), frozenset(t.get("particle", [])),
                           bool(t.get("te", False))) for name, t in data.get("tense", {}).items()),
    )


# --- a view of the sentence's tokens ------------------------------------------------------------------------

NOUN, NAME, PRON, REL, DET, POSS, QUANT, NUM, ADJ = "NOUN", "NAME", "PRON", "REL", "DET", "POSS", "QUANT", "NUM", "ADJ"
VFIN, VPART, VPRES, VINF, PREP, PART, CCONJ, SCONJ = "VFIN", "VPART", "VPRES", "VINF", "PREP", "PART", "CCONJ", "SCONJ"
ADV, PUNCT, OTHER = "ADV", "PUNCT", "OTHER"
VERBS = frozenset({VFIN, VPART, VINF, VPRES})
PREMODIFIERS = frozenset({DET, POSS, QUANT, NUM, ADJ, VPART, VPRES, ADV})
CLAUSE_PUNCTUATION = frozenset({",", ";", ":", "(", ")", "–", "—", "?", "!", ".", "…"})


class Word(NamedTuple):  # a tuple: built for every token of every sentence with a hit
    text: str  # lower case
    lemma: str  # lower case; the word itself when not analysed
    tag: str
    start: int
    end: int
    plural: bool = False
    present: bool = False  # a finite verb in the present tense
    entity: str | None = None  # PER, LOC, ORG, MISC


def _deep_tag(pos: str, word: str, k: Knowledge) -> tuple[str, bool, bool]:
    """Coarse role, plural, present tense from a CGN tag ("WW(pv,tgw,ev)")."""
    head, _, rest = pos.partition("(")
    features = rest.rstrip(")").split(",")
    plural = "mv" in features
    if head == "N":
        return (NAME if "eigen" in features else NOUN), plural, False
    if head == "SPEC":
        return (NAME if "deeleigen" in features else OTHER), False, False
    if head == "VNW":
        if "betr" in features:
            return REL, plural, False
        if "bez" in features:
            return POSS, plural, False
        if "adv-pron" in features:
            return ADV, False, False
        if "det" in features:
            return (DET if "aanw" in features else QUANT), plural, False
        return PRON, plural, False
    if head == "LID":
        return DET, False, False
    if head == "TW":
        return NUM, False, False
    if head == "ADJ":
        return ADJ, False, False
    if head == "WW":
        form = features[0] if features else ""
        if "nom" in features:
            return NOUN, False, False  # a nominalised infinitive is a noun: "het doden van zijn buurman"
        if form == "pv":
            return VFIN, "mv" in features, "tgw" in features
        return {"vd": VPART, "od": VPRES}.get(form, VINF), False, False
    if head == "VZ":
        return (PREP if "init" in features else PART), False, False
    if head == "VG":
        if "onder" in features:
            return SCONJ, False, False
        return CCONJ, False, False
    if head == "BW":
        return ADV, False, False
    if head == "LET":
        return PUNCT, False, False
    return OTHER, False, False


def _shallow_tag(raw: str, word: str, first: bool, k: Knowledge) -> str:
    """A coarse role for a word Frog did not see, from the grammar lists of the data file."""
    g = k.grammar
    if not any(c.isalnum() for c in word):
        return PUNCT
    if word.isdigit():
        return NUM
    if word in g["determiners"] or (word in g["definite"] and word not in g["relatives"]):
        return DET
    if word in g["possessives"] and word not in g["person_pronouns"]:
        return POSS
    if word in g["prepositions"]:
        return PREP
    if word in g["relatives"] or word in g["subordinators"]:
        return SCONJ
    if word in g["clause_coordinators"]:
        return CCONJ
    if word in g["person_pronouns"]:
        return PRON
    if word in g["quantifiers"]:
        return QUANT
    if word in g["numbers"]:
        return NUM
    if word in g["passive_auxiliaries"] or word in g["perfect_auxiliaries"]:
        return VFIN
    if raw[:1].isupper() and not first:
        return NAME
    if len(word) >= 7 and word.endswith(k.present_participle_endings):
        return VPRES
    if any(word.startswith(p) for p in k.participle_prefixes) and word.endswith(k.participle_endings) \
            and len(word) >= 6:
        return VPART
    if _listed_noun(word, k):
        return NOUN
    return OTHER


SpanMemo = dict[int, list[tuple[int, int, int]]]
_RECENT: list[tuple[Sentence, list[Word], list[Phrase], SpanMemo]] = []  # the last sentences: several hits each


def _sentence(doc: Document, sentence_index: int, k: Knowledge) -> tuple[list[Word], list[Phrase], SpanMemo]:
    """The words, phrases and sequence matches of a sentence, kept for the next hit in it (the entry holds the
    sentence itself, so an identity check cannot be fooled by a reused id)."""
    sentence = doc.sentences[sentence_index]
    for seen, words, found, memo in _RECENT:
        if seen is sentence:
            return words, found, memo
    words = view(doc, sentence_index)
    found = phrases(words, k)
    fresh: SpanMemo = {}
    _RECENT.insert(0, (sentence, words, found, fresh))
    del _RECENT[8:]
    return words, found, fresh


def view(doc: Document, sentence_index: int) -> list[Word]:
    """The sentence's tokens with lower-case word, lemma, a coarse role and the entity they are part of."""
    k = knowledge("nl")
    sentence = doc.sentences[sentence_index]
    entities = [(e.start, e.end, e.label) for e in doc.entities if e.sentence == sentence_index]
    words = []
    for number, token in enumerate(sentence.tokens):
        text = token.text.lower()
        entity = next((label for s, e, label in entities if s < token.end and token.start < e), None)
        if sentence.deep and token.pos:
            tag, plural, present = _deep_tag(token.pos, text, k)
            lemma = (token.lemma or text).lower()
        else:
            tag, plural, present = _shallow_tag(token.text, text, number == 0, k), False, False
            lemma = text
            if tag in (NOUN, OTHER) and entity is not None:
                tag = NAME
        words.append(Word(text, lemma, tag, token.start, token.end, plural, present, entity))
    if not sentence.deep:
        words = _shallow_nouns(words, k)
    return words


def _shallow_nouns(words: list[Word], k: Knowledge) -> list[Word]:
    """Untagged words that stand where Dutch puts a noun (after a determiner, a number, a preposition or an
    inflected adjective) or end like a nominalisation are nouns; an inflected word between a determiner and
    a noun is an adjective."""
    out = list(words)
    for i, w in enumerate(out):
        if w.tag != OTHER:
            continue
        before = out[i - 1] if i > 0 else None
        after = words[i + 1] if i + 1 < len(words) else None
        if before is not None and before.tag in (DET, POSS, NUM, QUANT) and w.text.endswith("e") and \
                after is not None and after.tag in (OTHER, NOUN):
            out[i] = Word(w.text, w.lemma, ADJ, w.start, w.end)
        elif (before is not None and before.tag in (DET, POSS, NUM, QUANT, PREP, ADJ)) or \
                (len(w.text) > 5 and w.text.endswith(tuple(k.of_object_suffixes))):
            out[i] = Word(w.text, w.lemma, NOUN, w.start, w.end, plural=w.text.endswith(("en", "s")))
    return out


# --- word classes ----------------------------------------------------------------------------------------


@lru_cache(maxsize=65536)
def _stems(form: str, k: Knowledge, strict: bool = False) -> tuple[str, ...]:
    """The form and what it is with a plural or linking ending undone ("honden" → hond, "schapen" → schaap);
    ``strict`` (a compound's head) undoes only the plural endings of at least two letters."""
    found = [form]
    for ending, replacement in k.endings:
        if strict and len(ending) < 2:
            continue
        if form.endswith(ending) and len(form) - len(ending) >= 2:
            base = form[: len(form) - len(ending)] + replacement
            found.append(base)
            if len(base) >= 3 and base[-1] == base[-2] and base[-1] not in "aeiou":
                found.append(base[:-1])  # "katten" → katt → kat
            if len(base) >= 3 and base[-2] in k.double_vowels and base[-3] not in "aeiou" \
                    and base[-1] not in "aeiou":
                found.append(base[:-2] + base[-2] + base[-2] + base[-1])  # "schapen" → schap → schaap
    return tuple(found)


@lru_cache(maxsize=65536)
def _listed_noun(word: str, k: Knowledge) -> bool:
    return any(stem in k.nouns for stem in _stems(word, k))


def _in_set(word: str, lemma: str, members: frozenset[str], k: Knowledge, compounds: bool = True) -> bool:
    """Whether the word is a member, or a plural or compound of one ("politiehonden" of "hond")."""
    for form in {lemma, word}:
        if any(stem in members for stem in _stems(form, k)):
            return True
        if compounds:
            for cut in range(k.min_prefix, len(form) - k.min_head + 1):
                if any(stem in members for stem in _stems(form[cut:], k, strict=True)):
                    return True
    return False


@lru_cache(maxsize=65536)
def noun_class(word: str, lemma: str, k: Knowledge) -> str | None:
    """"human", "animal", "object" or "abstract" for a noun, by its lemma, its plural, its compound head or an
    abstract derivational suffix; None when the noun is in no class."""
    forms = tuple(dict.fromkeys((lemma, word)))
    for form in forms:
        for stem in _stems(form, k):
            if stem in k.victim_classes:
                return k.victim_classes[stem]
    # a compound's head, split off the singular: Frog's lemma, else the word with a plural ending undone
    # ("relschoppers" is a relschopper, not a "pers"); a head of an idea must be a word of its own length
    # ("brandweer" has no "eer" in it)
    singular = (lemma,) if lemma != word else tuple(dict.fromkeys(_stems(word, k, strict=True)[1:] or (word,)))
    for form in singular:
        for cut in range(k.min_prefix, len(form) - k.min_head + 1):
            head = form[cut:]
            for stem in _stems(head, k, strict=True):
                kind = k.victim_classes.get(stem)
                if kind is not None and (kind != "abstract" or (len(stem) >= k.min_abstract_head
                                                                and stem not in k.abstract_exact_only)):
                    return kind
    for form in forms:
        if form.endswith(k.abstract_suffixes) and not any(form.endswith(x) for x in k.abstract_exceptions):
            return "abstract"
    return None


def compound_modifier(word: str, members: frozenset[str] | dict[str, str], k: Knowledge,
                      linked: bool = False) -> str | None:
    """The first part of a compound that is in ``members`` ("dieren" of "dierenmishandeling"), or None.
    ``linked``: the part must carry a linking ending, as a noun for whom an act is done does ("dieren-",
    "kinder-", "vrouwen-"): "visarel" is a visa row, no fish."""
    for cut in range(k.min_prefix, len(word) - 3):
        stems = _stems(word[:cut], k)
        for stem in stems[1:] if linked else stems:
            if stem in members:
                return stem
    return None


def _matches(words: list[Word], at: int, sequence: Sequence) -> bool:
    if at + len(sequence) > len(words):
        return False
    return all(not choice or words[at + i].text in choice or words[at + i].lemma in choice
               for i, choice in enumerate(sequence))


_ANCHORS: dict[int, tuple[tuple[Sequence, ...], dict[str, tuple[tuple[int, int], ...]]]] = {}


def _anchors(sequences: tuple[Sequence, ...]) -> dict[str, tuple[tuple[int, int], ...]]:
    """Each sequence under the words of one of its fixed positions, with that position ("*", "jaar", "na" under
    "jaar" at 1); built once per list, which lives as long as the loaded knowledge."""
    known = _ANCHORS.get(id(sequences))
    if known is not None and known[0] is sequences:
        return known[1]
    anchors: dict[str, list[tuple[int, int]]] = {}
    for number, sequence in enumerate(sequences):
        # the position with the longest words is the rarest to meet ("barst" of "de bom barst", not "de")
        position = max((i for i, choice in enumerate(sequence) if choice),
                       key=lambda i: min(len(word) for word in sequence[i]))
        for word in sequence[position]:
            anchors.setdefault(word, []).append((number, position))
    index = {word: tuple(entries) for word, entries in anchors.items()}
    _ANCHORS[id(sequences)] = (sequences, index)
    return index


def _numbered_spans(words: list[Word], sequences: tuple[Sequence, ...]) -> list[tuple[int, int, int]]:
    """(sequence number, start, end) of every match of the sequences in the words."""
    index = _anchors(sequences)
    found = set()
    for at, w in enumerate(words):
        for number, position in index.get(w.text, ()) + (index.get(w.lemma, ()) if w.lemma != w.text else ()):
            start = at - position
            if start >= 0 and _matches(words, start, sequences[number]):
                found.add((number, start, start + len(sequences[number])))
    return sorted(found)


# --- phrases and clauses --------------------------------------------------------------------------------


@dataclass
class Phrase:
    start: int  # first token, premodifiers included
    head: int
    end: int  # after the head
    governor: str | None  # the preposition before it; None when bare (subject or object)
    group: int  # phrases coordinated with "en"/"of" share a group
    determiner: str  # "definite", "indefinite", "number" or "none"


def phrases(words: list[Word], k: Knowledge) -> list[Phrase]:
    """Noun phrases of the sentence: a noun or a name with the names after it (the last is the head), a pronoun or
    a number on its own, with their premodifiers; the preposition before them; partitives ("twee van de elf
    neushoorns") and coordinations ("twee agenten en een voorbijganger") take the governor of the phrase they
    belong to."""
    found: list[Phrase] = []
    i = 0
    while i < len(words):
        w = words[i]
        alone_number = w.tag == NUM and not (i + 1 < len(words) and words[i + 1].tag in (NOUN, NAME, ADJ, NUM))
        if w.tag not in (NOUN, NAME, PRON, REL) and not alone_number:
            i += 1
            continue
        head = i
        if w.tag in (NOUN, NAME):  # a name after a noun or a name is part of it ("president Macron"), and
            # a measure is part of what it measures ("vijf jaar cel")
            while head + 1 < len(words) and (words[head + 1].tag == NAME or (
                    words[head + 1].tag == NOUN and words[head].lemma in k.grammar["measure_nouns"])):
                head += 1
        start = i
        while start - 1 >= 0 and words[start - 1].tag in PREMODIFIERS and w.tag not in (PRON, REL):
            start -= 1
        before = words[start - 1] if start > 0 else None
        governor = before.lemma if before is not None and before.tag == PREP else None
        determiner = "none"
        for m in words[start:i]:
            if m.tag == POSS or (m.text in k.grammar["definite"] and m.tag == DET):
                determiner = "definite"
                break
            if m.tag == DET:
                determiner = "indefinite"
                break
            if m.tag == NUM:
                determiner = "number"
                break
        if w.tag == NAME:
            determiner = "definite"
        phrase = Phrase(start, head, head + 1, governor, len(found), determiner)
        if found and before is not None:
            previous = found[-1]
            if governor == "van" and previous.end == start - 1 and (
                    words[previous.head].tag in (NUM, QUANT)
                    or words[previous.head].lemma in k.grammar["partitive_nouns"]):
                phrase.governor, phrase.group = previous.governor, previous.group  # partitive: the number is it
                found[-1] = phrase
                i = head + 1
                continue
            if before.tag == CCONJ and previous.end == start - 1:
                phrase.governor, phrase.group = previous.governor, previous.group
        found.append(phrase)
        i = head + 1
    return found


def _opens_clause(words: list[Word], i: int, k: Knowledge) -> bool:
    w = words[i]
    if w.tag in (SCONJ, REL) or (w.tag == ADV and w.text in k.grammar["relatives"] | k.grammar["subordinators"]):
        return True
    if w.tag == CCONJ and w.text in k.grammar["clause_coordinators"]:
        if w.text in ("en", "of"):  # joins clauses only when a verb, or a subject and its verb, follow
            nxt = words[i + 1] if i + 1 < len(words) else None
            after = words[i + 2] if i + 2 < len(words) else None
            return nxt is not None and (nxt.tag == VFIN or (nxt.tag == PRON and after is not None
                                                              and after.tag == VFIN))
        return True
    return False


def clause(words: list[Word], at: int, k: Knowledge) -> tuple[int, int]:
    """The clause around token ``at``: [start, end)."""
    start = at
    while start > 0 and not _opens_clause(words, start, k):
        if words[start - 1].tag == PUNCT and words[start - 1].text in CLAUSE_PUNCTUATION:
            break
        start -= 1
    end = at + 1
    while end < len(words):
        if words[end].tag == PUNCT and words[end].text in CLAUSE_PUNCTUATION:
            break
        if _opens_clause(words, end, k):
            break
        end += 1
    return start, end


# --- the decision ---------------------------------------------------------------------------------------


@dataclass
class _Hit:
    """Everything the decisions share about one trigger."""

    words: list[Word]
    phrases: list[Phrase]
    span: list[int]  # the trigger's tokens
    head: int  # its head token
    lo: int  # its clause
    hi: int
    event_class: str
    sentence_text: str
    k: Knowledge
    memo: SpanMemo = field(default_factory=dict)

    def spans(self, sequences: tuple[Sequence, ...]) -> list[tuple[int, int, int]]:
        """Matches of the sequences in the sentence, found once per sentence."""
        key = id(sequences)
        if key not in self.memo:
            self.memo[key] = _numbered_spans(self.words, sequences)
        return self.memo[key]

    @property
    def word(self) -> Word:
        return self.words[self.head]

    def phrase_of(self, index: int) -> Phrase | None:
        return next((p for p in self.phrases if p.start <= index <= p.head), None)

    def in_clause(self, p: Phrase) -> bool:
        return self.lo <= p.start and p.head < self.hi

    def outside_trigger(self) -> list[Word]:
        return [w for i, w in enumerate(self.words) if i not in self.span]


def _head_token(words: list[Word], span: list[int], k: Knowledge) -> int:
    """The trigger's head: its first verb that is not an auxiliary, else its last noun, else its first token."""
    auxiliaries = k.grammar["passive_auxiliaries"] | k.grammar["perfect_auxiliaries"]
    for i in span:
        if words[i].tag in VERBS and words[i].text not in auxiliaries and words[i].lemma not in auxiliaries:
            return i
    nouns = [i for i in span if words[i].tag in (NOUN, NAME)]
    if nouns:
        return nouns[-1]
    return next((i for i in span if words[i].tag in (ADJ, ADV, VFIN)), span[0])


def _kind(hit: _Hit, phrase: Phrase, seen: int = 0) -> str | None:
    """What the phrase's head is: "human", "animal", "object", "abstract", "place" or None."""
    w = hit.words[phrase.head]
    if w.tag == NAME or (w.entity is not None and w.tag != NOUN):
        return {"PER": "human", "LOC": "place"}.get(w.entity or "")
    if w.tag == PRON:
        return "human" if w.text in hit.k.grammar["person_pronouns"] else None
    if w.tag == REL and seen < 2:  # the relative stands for the phrase before its clause
        antecedent = next((p for p in reversed(hit.phrases) if p.end <= phrase.start and p.head < phrase.head), None)
        return _kind(hit, antecedent, seen + 1) if antecedent is not None else None
    if w.tag in (NOUN, OTHER):
        return noun_class(w.text, w.lemma, hit.k)
    return None


def _group_kind(hit: _Hit, phrase: Phrase) -> str | None:
    """The kind of a coordinated group: any person makes it human, then animals, things, ideas."""
    kinds = {_kind(hit, p) for p in hit.phrases if p.group == phrase.group}
    for kind in ("human", "animal", "object", "abstract", "place"):
        if kind in kinds:
            return kind
    return None


def _is_passive(hit: _Hit) -> bool:
    """A past participle with a passive or state auxiliary in its clause, or none at all (a headline)."""
    if hit.word.tag != VPART:
        return False
    g = hit.k.grammar
    clause_words = hit.words[hit.lo:hit.hi]
    if any(w.text in g["perfect_auxiliaries"] for w in clause_words if w.tag in VERBS):
        return False  # "hebben" makes it active, finite or not ("te hebben vermoord"; Frog may tag it either)
    finite = [w for w in clause_words if w.tag == VFIN]
    return not finite or any(w.text in g["passive_auxiliaries"] or w.lemma in g["passive_auxiliaries"]
                             for w in finite)


def patient_and_agent(hit: _Hit) -> tuple[Phrase | None, Phrase | None]:
    """The phrase the act is done to and the phrase that does it, from the grammar of the clause."""
    k, head = hit.k, hit.head
    mine = hit.phrase_of(head)
    clause_phrases = [p for p in hit.phrases if hit.in_clause(p) and p is not mine]
    if mine is not None and mine.head != head and hit.word.tag in (VPART, VPRES, ADJ):
        # an attributive participle or adjective: the noun it describes; a death or injury word on a noun for
        # no one ("een dodelijke schietpartij", "een dodelijk ongeval") says the event hurt someone
        if hit.event_class in k.outcome and _group_kind(hit, mine) not in ("human", "animal"):
            return None, None
        return mine, None
    if hit.word.tag in (NOUN, NAME) or (mine is not None and mine.head == head and hit.word.tag not in VERBS):
        if hit.event_class in k.outcome and mine is not None and _kind(hit, mine) == "human":
            return mine, None  # "doden", "gewonden": the noun is the victim
        after = [p for p in clause_phrases if p.start > head]
        takes_of = hit.word.lemma.endswith(k.of_object_suffixes) or hit.event_class in k.outcome
        target = None
        agent = None
        for p in after:
            if any(w.tag == VFIN for w in hit.words[head:p.start]):
                break  # past the noun's own complements
            if p.governor in k.grammar["target_prepositions"] or (p.governor == "van" and takes_of):
                target = target or p
            elif p.governor in ("van", k.agent_preposition):
                agent = agent or p
        return target, agent
    bare = [p for p in clause_phrases if p.governor is None]
    agent = next((p for p in clause_phrases if p.governor == k.agent_preposition), None)
    if _is_passive(hit) or hit.event_class in k.outcome:
        # the subject of a passive is the bare phrase nearest before the participle ("werd gisteren een agent
        # aangevallen", "de wagen werd in beslag genomen en de bestuurder aangehouden"); one cut off by an
        # apposition is not guessed; a death's may follow its finite verb ("er kwamen drie mensen om")
        before = [p for p in bare if p.head < head]
        groups = list(dict.fromkeys(p.group for p in bare))
        if hit.event_class in k.outcome and not _is_passive(hit) and hit.word.tag == VFIN and len(groups) >= 2:
            # an outcome verb with a subject and an object hurts its object ("een vrachtwagen rijdt een
            # fietster aan")
            return next(p for p in bare if p.group == groups[1]), bare[0]
        if before:
            # an act on people takes the person among them ("verdachten zaak gekruisigde koe opgepakt")
            people = [p for p in before if _group_kind(hit, p) == "human"]
            return (people[-1] if people and hit.event_class in k.people_only else before[-1]), agent
        after = [p for p in bare if p.head > head] if hit.event_class in k.outcome and hit.word.tag == VFIN else []
        return (after[0] if after else None), agent
    subject = bare[0] if bare else None
    objects = [p for p in bare if subject is not None and p.group != subject.group]
    target = next((p for p in clause_phrases if p.start > head and p.governor in k.grammar["target_prepositions"]),
                  None)
    if objects and (_kind(hit, objects[0]) is not None or target is None or _kind(hit, target) is None):
        return objects[0], subject
    return target, subject  # "schoten gelost op een woning": the object is the shots, the target the house


def _gathering_sense(hit: _Hit, patient: Phrase | None) -> str | None:
    """A gathering's "tegen" or "voor" phrase is its issue, never a target. Its object or "van" phrase is who
    takes part; a proceeding there means "to stop" ("de betalingen staken"), a thing or an idea a showcase ("een
    demonstratie van het nieuwe model")."""
    k = hit.k
    if patient is None or patient.governor not in (None, "van"):
        return None
    kind = _group_kind(hit, patient)
    head_word = hit.words[patient.head]
    if hit.event_class in k.stoppage and kind != "human" and \
            _in_set(head_word.text, head_word.lemma, k.procedure, k, compounds=False):
        return "proceeding"
    if hit.event_class not in k.stoppage and patient.governor == "van" and kind in ("abstract", "object"):
        return "showcase"
    return None


def _is_head(w: Word, heads: tuple[str, ...], k: Knowledge) -> bool:
    """The word is one of ``heads`` or a compound ending in one after a first part of its own ("handelsoorlog",
    not "aanslag" for "slag")."""
    for form in (w.lemma, w.text):
        for head in heads:
            shortest = k.min_prefix if len(head) > 4 else k.min_prefix + 1  # "gasexplosie"; not "aan|slag"
            if form == head or (form.endswith(head) and len(form) - len(head) >= shortest):
                return True
    return False


def _physical_evidence(hit: _Hit) -> bool:
    others = [w for i, w in enumerate(hit.words) if i not in hit.span]
    if any(w.text in hit.k.physical or w.lemma in hit.k.physical for w in others):
        return True
    return any(not set(range(a, b)) & set(hit.span) for _n, a, b in hit.spans(hit.k.physical_sequences))


def _any(hit: _Hit, words: list[Word], members: frozenset[str]) -> bool:
    return any(w.text in members or w.lemma in members for w in words)


def figurative_form(hit: _Hit) -> str | None:
    """A present participle used as an adjective, or a violence word as a degree word: a quality, no act."""
    k, w = hit.k, hit.word
    if hit.event_class in k.outcome:
        return None
    if w.tag == VPRES:
        return "present participle"
    nxt = hit.words[hit.head + 1] if hit.head + 1 < len(hit.words) else None
    if w.tag in (ADJ, ADV) and nxt is not None and nxt.tag == ADJ and hit.head + 1 not in hit.span:
        return "degree word"
    if w.tag == ADJ and any(w.text.startswith(p) and len(w.text) - len(p) >= 3 for p in k.intensifier_prefixes):
        return "degree word"
    return None


def idiom(hit: _Hit) -> str | None:
    """The class of a fixed expression the trigger is part of."""
    k = hit.k
    inside = set(hit.span)
    for number, start, end in hit.spans(k.idiom_sequences):
        if inside & set(range(start, end)):
            return k.idioms[number][0]
    for _number, start, end in hit.spans(k.criticism_idioms):
        if inside & set(range(start, end)):
            rest = [w for i, w in enumerate(hit.words) if not start <= i < end]
            if _any(hit, rest, k.criticism_cues) and not _physical_evidence(hit):
                return "criticism"
    return None


def figurative_target(hit: _Hit, patient: Phrase | None, agent: Phrase | None, victim: str | None) -> str | None:
    """Why the act is figurative from what it is aimed at, who wages it or how it is qualified, or None."""
    k, w = hit.k, hit.word
    mine = hit.phrase_of(hit.head)
    if hit.event_class in k.gathering:
        objection = _in_set(hit.word.text, hit.word.lemma, k.grammar["objection_words"], k, compounds=False)
        if objection and agent is not None and (agent.governor == "van" or hit.word.tag in VERBS):
            head_word = hit.words[agent.head]
            if _in_set(head_word.text, head_word.lemma, k.grammar["institutions"], k, compounds=False):
                return "verbal protest"  # "de regering protesteert": an objection, no gathering
        return _gathering_sense(hit, patient)
    if _is_head(w, k.contest_heads, k):
        modifiers = [m for m in hit.words[mine.start:hit.head]] if mine is not None else []
        if any(_in_set(m.text, m.lemma, k.domain_adjectives, k, compounds=False) for m in modifiers if m.tag == ADJ):
            return "domain adjective"
        if compound_modifier(w.text, k.domain_compounds, k) is not None:
            return "domain compound"
        subject = next((p for p in hit.phrases if hit.in_clause(p) and p.governor is None and p is not mine), None)
        for waging in (agent, subject):
            if waging is not None and not _physical_evidence(hit) and _in_set(
                    hit.words[waging.head].text, hit.words[waging.head].lemma, k.business, k, compounds=False):
                return "commercial contest"
    if hit.event_class in k.outcome:
        if victim == "abstract" and not _physical_evidence(hit):
            return "abstract patient"
        return None
    if patient is not None:
        kind = _group_kind(hit, patient)
        head_word = hit.words[patient.head]
        if kind == "abstract" and not _physical_evidence(hit):
            return "abstract target"
        if kind is None and patient.governor == "van" and _in_set(head_word.text, head_word.lemma, k.emotion, k):
            return "emotion"
        if kind is None and _in_set(head_word.text, head_word.lemma, k.procedure, k, compounds=False) \
                and (hit.event_class in k.justice or hit.event_class in k.stoppage):
            return "proceeding"
    if hit.event_class in k.justice and patient is None and hit.word.tag in VERBS:
        subject = next((p for p in hit.phrases if hit.in_clause(p) and p.governor is None), None)
        if subject is not None and _kind(hit, subject) != "human":
            head_word = hit.words[subject.head]
            if _in_set(head_word.text, head_word.lemma, k.procedure, k, compounds=False) \
                    or _kind(hit, subject) == "abstract":
                return "proceeding"
    # play: a sport word in the sentence, no person hurt and no weapon or casualty
    if hit.event_class not in k.justice and victim != "human" and hit.event_class not in k.gathering \
            and any(_in_set(o.text, o.lemma, k.sport, k, compounds=False) for o in hit.outside_trigger()
                    if o.tag in (NOUN, OTHER, VFIN, VINF)) \
            and not _physical_evidence(hit):
        return "sport"
    return None


def accidental(hit: _Hit, patient: Phrase | None) -> str | None:
    """Why the act is no deliberate act: an accident cause, a test or exercise, vehicles colliding."""
    k, w = hit.k, hit.word
    if hit.event_class in k.outcome or hit.event_class in k.justice or hit.event_class in k.gathering:
        return None
    explosion_or_fire = _is_head(w, k.accident_heads, k)
    if explosion_or_fire and compound_modifier(w.text, k.accident_causes, k) is not None:
        return "accident"
    scope = hit.outside_trigger() if explosion_or_fire else \
        [x for i, x in enumerate(hit.words) if hit.lo <= i < hit.hi and i not in hit.span]
    if _any(hit, scope, k.accident_causes) or hit.spans(k.accident_sequences):
        return "accident"
    if _any(hit, scope, k.controlled):
        return "test or exercise"
    if hit.event_class in k.fighting:
        between = [p for p in hit.phrases if hit.in_clause(p) and p.governor == "tussen"] or \
            [p for p in hit.phrases if hit.in_clause(p) and p.governor is None and p.head != hit.head]
        heads = [hit.words[p.head] for p in between]
        if heads and all(_in_set(h.text, h.lemma, k.collision_heads, k) for h in heads):
            return "collision"
    return None


def _specific(hit: _Hit, phrase: Phrase) -> bool:
    """An act named with its particulars (a determiner, a number, a name, a target, place, date or instrument
    phrase after it) is one act; bare ("moord", "mishandeling") it is a kind of act."""
    if phrase.determiner in ("definite", "number"):
        return True
    if any(w.tag == NAME for w in hit.words[phrase.start:phrase.end]):
        return True
    nxt = phrase.end
    if nxt < hit.hi:
        w = hit.words[nxt]
        if w.tag in (NAME, NUM):
            return True
        if w.tag == PREP and any(p.start > nxt and p.start <= nxt + 3 and p.governor == w.lemma
                                 for p in hit.phrases):
            return w.lemma not in ("van", "voor", "wegens", "door")  # "op X", "in Y", "met een mes"; not a cause
    return False


def _frame_hits(hit: _Hit) -> list[tuple[Frame, int, int]]:
    k = hit.k
    found: list[tuple[Frame, int, int]] = []
    for i, w in enumerate(hit.words):
        if i not in hit.span:
            found.extend((frame, i, i + 1) for frame in dict.fromkeys(k.frame_words.get(w.text, ())
                                                                       + k.frame_words.get(w.lemma, ())))
    for number, start, end in hit.spans(k.frame_sequences):
        if not set(range(start, end)) & set(hit.span):
            found.append((k.frame_of_sequence[number], start, end))
    return found


def _verbal(hit: _Hit, start: int, end: int) -> bool:
    """A frame verb or predicate ("verdacht", "schuldig"); an untagged frame word counts as one."""
    return any(hit.words[i].tag in VERBS or hit.words[i].tag in (ADJ, OTHER) for i in range(start, end))


def _chained(hit: _Hit, frame: Frame, start: int, end: int, target: tuple[int, int]) -> bool:
    """Whether the act (tokens ``target``) is the frame's complement: reached from the frame over its objects (a
    verb's), its prepositions and the phrases they govern, in the same clause."""
    k = hit.k
    verbal = _verbal(hit, start, end)
    g = k.grammar
    skippable = g["passive_auxiliaries"] | g["perfect_auxiliaries"] | {k.infinitive_marker}
    linked = verbal or hit.words[end - 1].tag == PREP  # "een jaar na": the frame ends in its preposition
    last_head: Word | None = hit.words[end - 1]
    position = end
    while position < hit.hi:
        if target[0] <= position <= target[1]:
            return linked
        w = hit.words[position]
        phrase = next((p for p in hit.phrases if p.start == position), None)
        if phrase is not None:
            if not linked:
                return False
            if phrase.start <= target[1] <= phrase.head:
                return True
            last_head = hit.words[phrase.head]
            position = phrase.end
            linked = verbal and phrase.governor is None
            continue
        if w.tag == PREP:
            participation = last_head is not None and last_head.lemma in g["participation"] \
                and w.lemma in g["participation_prepositions"]
            if w.lemma in frame.through or participation:
                linked = True
                position += 1
                continue
            return False
        if w.tag in (PART, ADV) or w.text in skippable or (verbal and w.tag == ADJ):
            position += 1
            continue
        return False
    return False


def referral(hit: _Hit) -> tuple[Frame, str] | None:
    """The frame the act is the complement of, and how ("chain", "before", "relative", "infinitive")."""
    k = hit.k
    justice = hit.event_class in k.justice
    mine = hit.phrase_of(hit.head)
    nominal = mine is not None and hit.word.tag not in (VFIN, VINF) and not (
        hit.word.tag == VPART and mine.head == hit.head)
    target = (mine.start, mine.head) if mine is not None else (hit.head, hit.head)
    candidates = []
    for frame, start, end in _frame_hits(hit):
        if justice and not frame.denies:
            continue  # a frame of judging names what a judicial act is about; it does not refer to it
        if frame.not_with_particle and _verbal(hit, start, end) and any(
                w.tag == PART and w.text in frame.not_with_particle for w in hit.words[hit.lo:hit.hi]):
            continue  # "eist de aanslag op": claiming, not demanding
        if not (hit.lo <= start and end <= hit.hi):
            continue
        if end <= target[0] and nominal and _chained(hit, frame, start, end, target):
            candidates.append((target[0] - end, frame, "chain"))
        elif start > hit.head and nominal and _verbal(hit, start, end) and mine is not None:
            # a bare phrase before a frame verb is its object when the verb comes last (a participle or
            # infinitive, or any verb of a subordinate clause), or its subject when the verb is passive
            last = hit.words[start].tag in (VPART, VINF) or hit.words[hit.lo].tag in (SCONJ, REL) or \
                hit.words[hit.lo].text in hit.k.grammar["relatives"]
            if mine.governor in frame.through or (mine.governor is None and last):
                candidates.append((start - hit.head, frame, "before"))
        elif start > hit.head and frame.either_side and nominal and \
                not any(w.tag == VFIN for w in hit.words[hit.head:start]):
            candidates.append((start - hit.head, frame, "before"))
        elif end <= hit.head and hit.word.tag in (VINF, VPART) and _infinitive(hit) and _verbal(hit, start, end):
            candidates.append((hit.head - end, frame, "infinitive"))
    if nominal and hit.lo >= 2 and hit.words[hit.lo - 1].text == ":":
        label = hit.words[hit.lo - 2]  # "Eis: acht jaar cel", "Proces: ...": a frame noun names what follows
        for frame in dict.fromkeys(k.frame_words.get(label.text, ()) + k.frame_words.get(label.lemma, ())):
            if label.tag in (NOUN, OTHER) and (not justice or frame.denies):
                candidates.append((50, frame, "label"))
    if nominal and mine is not None:
        relative = _relative_clause_frame(hit, mine)
        if relative is not None:
            candidates.append((99, relative, "relative"))
    if not candidates:
        return None
    _distance, frame, how = min(candidates, key=lambda c: c[0])
    return frame, how


def _infinitive(hit: _Hit) -> bool:
    """The trigger verb is in an infinitive clause ("te hebben vermoord", "te vermoorden") or is a bare
    infinitive, the complement of the verb before it ("willen staken")."""
    marker = hit.k.infinitive_marker
    return hit.word.tag == VINF or any(hit.words[i].text == marker
                                       for i in range(max(hit.lo, hit.head - 3), hit.head))


def _relative_clause_frame(hit: _Hit, mine: Phrase) -> Frame | None:
    """A relative clause right after the act's phrase whose verb is a frame ("de moord waarvoor hij terechtstaat",
    "de aanslag die werd herdacht")."""
    k = hit.k
    if any(w.tag == VFIN for w in hit.words[mine.end:hit.hi]):
        return None
    start = hit.hi
    while start < len(hit.words) and hit.words[start].tag == PUNCT:
        start += 1
    if start >= len(hit.words) or hit.words[start].text not in k.grammar["relatives"]:
        return None
    _lo, end = clause(hit.words, start, k)
    for frame in k.frames:
        if hit.event_class in k.justice and not frame.denies:
            continue
        for i in range(start + 1, end):
            w = hit.words[i]
            if w.tag in VERBS and (w.text in frame.words or w.lemma in frame.words):
                return frame
    return None


def _hedged(hit: _Hit) -> bool:
    mine = hit.phrase_of(hit.head)
    if mine is None:
        return False
    return _any(hit, [w for w in hit.words[mine.start:hit.head] if w.tag in (ADJ, VPART, ADV)], hit.k.hedges)


def _almost(hit: _Hit) -> bool:
    """A verb act with "bijna" in its clause did not happen ("reed bijna een fietser aan"); "bijna" before a
    number ("bijna honderd doden", "bijna een dozijn") is a quantity."""
    if hit.word.tag not in VERBS:
        return False
    g = hit.k.grammar
    for i in range(hit.lo, hit.hi):
        if hit.words[i].text not in g["almost"]:
            continue
        following = hit.words[i + 1:i + 3]
        if any(w.tag == NUM or (w.text in g["numbers"] and w.text not in ("een", "één")) for w in following):
            continue
        if i + 1 < len(hit.words) and hit.words[i + 1].text in g["quantifiers"] | g["almost_quantities"]:
            continue  # "bijna allemaal", "bijna elke week"
        return True
    return False


def _plural(w: Word) -> bool:
    """Plural by its tag, or (a word Frog did not see) by a plural ending."""
    return w.plural or (w.lemma == w.text and w.text.endswith(("en", "s")) and len(w.text) > 4 and not w.present)


def generic_marker(hit: _Hit) -> str | None:
    """Why the clause speaks of a kind of act (frequency, rate, trend, statistic, anyone as subject), or None."""
    k = hit.k
    mine = hit.phrase_of(hit.head)
    if hit.event_class in k.outcome and hit.word.tag == ADJ and mine is not None and mine.head > hit.head:
        noun = hit.words[mine.head]
        if _in_set(noun.text, noun.lemma, k.grammar["capacity_heads"], k):
            return "capacity"  # "het dodelijke gif": what it can do, not a death
    own = set(range(mine.start, mine.end)) if mine is not None else set()
    scope = [w for i, w in enumerate(hit.words) if hit.lo <= i < hit.hi and i not in own and i not in hit.span]
    if _any(hit, scope, k.generic_adverbs):
        return "frequency"
    for _number, start, end in hit.spans(k.generic_phrases):
        if hit.lo <= start and end <= hit.hi and not set(range(start, end)) & set(hit.span):
            return "rate"
    others = hit.outside_trigger()
    if _any(hit, others, k.statistic_words) or any(
            w.tag in (NOUN, OTHER) and any(w.text.endswith(h) and len(w.text) - len(h) >= k.min_prefix
                                          for h in k.statistic_heads) for w in others):
        return "statistic"
    if hit.event_class not in k.outcome and hit.word.tag in (NOUN, OTHER) and _plural(hit.word):
        before = hit.words[max(0, hit.head - 4):hit.head]
        if any(w.text in k.count_nouns or w.lemma in k.count_nouns for w in before) and \
                any(w.text == "het" for w in before):
            return "count of acts"
    subjects = [hit.words[p.head] for p in hit.phrases if hit.in_clause(p) and p.governor is None]
    present = any(w.tag == VFIN and w.present for w in hit.words[hit.lo:hit.hi])
    if present and hit.word.tag in VERBS and any(w.text in k.generic_subjects for w in subjects):
        return "anyone as subject"
    if hit.lo < len(hit.words) and hit.words[hit.lo].text in k.generic_subjects and hit.words[hit.lo].tag in (
            PRON, REL, SCONJ) and present and hit.word.tag in VERBS:
        return "anyone as subject"  # "wie een agent aanvalt"; not "wie er achter de aanvallen zit"
    if hit.sentence_text.rstrip().endswith("?") and mine is not None and mine.head == hit.head \
            and mine.determiner in ("none", "indefinite") and not _specific(hit, mine):
        return "question about a kind"
    return None


def assess(doc: Document, sentence_index: int, start: int, end: int, event_class: str) -> Sense:
    """The sense of the trigger at ``doc.text[start:end]`` in sentence ``sentence_index``."""
    k = knowledge("nl")
    words, found, memo = _sentence(doc, sentence_index, k)
    span = [i for i, w in enumerate(words) if w.start < end and start < w.end]
    if not span:
        return Sense()
    head = _head_token(words, span, k)
    lo, hi = clause(words, head, k)
    lo, hi = min(lo, span[0]), max(hi, span[-1] + 1)  # a trigger of several words is one clause
    hit = _Hit(words, found, span, head, lo, hi, event_class, doc.sentence_text(sentence_index), k, memo)
    property_target = event_class not in k.people_only
    if event_class in k.nonviolent:
        return _assertion(hit, Sense(property_target=property_target), event_class)

    # victim and agent, from the compound's first part or the clause's phrases
    patient, agent_phrase = patient_and_agent(hit)
    victim = None
    prefix_class = compound_modifier(hit.word.text, k.victim_classes, k, linked=True)
    if prefix_class is not None and k.victim_classes[prefix_class] in ("human", "animal"):
        # "dierenmishandeling", "kindermoord"; a thing before the head is a setting ("gevangenisstraf")
        victim = k.victim_classes[prefix_class]
    elif patient is not None:
        victim = _group_kind(hit, patient)
    agent = None
    if agent_phrase is not None and event_class not in k.outcome | k.gathering \
            and _group_kind(hit, agent_phrase) == "animal":
        agent = "animal"
    shown_victim = victim if victim in ("human", "animal", "object") else None
    sense: dict[str, Any] = {"victim": shown_victim, "agent": agent, "property_target": property_target}

    why = figurative_form(hit) or idiom(hit) or figurative_target(hit, patient, agent_phrase, victim)
    if why is not None:
        return Sense(**sense, literal=False, why=why)
    why = accidental(hit, patient)
    if why is not None:
        return Sense(**sense, deliberate=False, why=why)
    if shown_victim == "animal" or agent == "animal":
        return Sense(**sense, why="animal")
    if shown_victim == "object" and not property_target:
        return Sense(**sense, why="object patient")

    return _assertion(hit, Sense(**sense), event_class)


def future_tense(hit: _Hit) -> str | None:
    """The tense class whose finite verb, earlier in the act's clause, governs the act as its infinitive ("roept
    op dinsdag opnieuw te demonstreren": "call"), or None."""
    k = hit.k
    w = hit.word
    # the act is a verb in its infinitive form: tagged so, or (a word Frog did not see, or read as a plural
    # present) ending like one; a participle or a past form is no infinitive
    if w.tag not in (VINF, VFIN, OTHER) or (w.tag != VINF and not w.text.endswith("en")):
        return None
    marker = k.infinitive_marker
    after_te = any(hit.words[i].text == marker for i in range(max(hit.lo, hit.head - 2), hit.head))
    before = range(hit.lo, hit.head)
    for tense in k.tenses:
        if tense.te != after_te:
            continue
        ends = [i + 1 for i in before if hit.words[i].text in tense.words] + [
            i + len(seq) for seq in tense.sequences for i in before
            if i + len(seq) <= hit.head and _matches(hit.words, i, seq)]
        if not ends:
            continue
        if tense.particles and not any(hit.words[i].text in tense.particles and i != hit.head
                                       for i in range(hit.lo, hit.hi)):
            continue
        if any(hit.words[i].tag == VPART for i in range(min(ends), hit.head)):
            continue  # "zal hebben gestaakt", "wil gedemonstreerd hebben": a past act, seen from later
        return tense.name
    return None


def _assertion(hit: _Hit, sense: Sense, event_class: str) -> Sense:
    """Frames, hedges and generic markers: whether the act happened, is only referred to, or is a kind of act."""
    k = hit.k
    planned = future_tense(hit)
    if planned is not None:
        return replace(sense, asserted=False, planned=planned, why=f"{planned}: future")
    found = referral(hit)
    if found is not None:
        frame, how = found
        denied = frame.denies == "all" or (frame.denies == "justice" and event_class in k.justice)
        referred = frame.name if frame.refers and not denied else None
        if denied:
            return replace(sense, referred=frame.name if frame.refers else None, asserted=False,
                         why=f"{frame.name} frame")
        if how == "infinitive":
            return replace(sense, referred=referred, asserted=False, why=f"{frame.name}: proposition")
        if _hedged(hit):
            return replace(sense, referred=referred, asserted=False, why="hedge")
        if referred is not None:
            return replace(sense, referred=referred, why=f"{frame.name} frame")
    if _hedged(hit):
        return replace(sense, asserted=False, why="hedge")
    if _almost(hit):
        return replace(sense, asserted=False, why="almost")
    why = generic_marker(hit)
    if why is not None:
        return replace(sense, generic=True, why=why)
    return sense

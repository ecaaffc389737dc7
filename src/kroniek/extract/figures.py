"""Figures (claims): every reported number of killed, injured, arrested, missing, displaced and crowd size, with
its hedge, the group it is about, who reports it (outlet › agency › original source) and whether the text says it
cannot be confirmed.

Attribution often sits in a neighbouring sentence ("... meldt persbureau Reuters." after the figures, or "Of deze
cijfers kloppen kan niet worden bevestigd." after them), so sentences inherit the source chain of the previous
sentence in the same paragraph when they report in the conditional ("zouden") or carry no source of their own.
"""

from __future__ import annotations

import re

from kroniek.analyse.numbers import find_quantities
from kroniek.extract.lexicon import Lexicon, lexicon
from kroniek.model import Article, Claim, Document, Event

# Sentence-initial words the "X meldt" pattern would otherwise take for a source ("Dat meldt de politie").
NOT_SOURCES = {"dat", "dit", "die", "dat is", "ook", "zo", "er", "men", "hij", "zij", "ze", "wij", "we", "ik", "het",
               "de", "daarom", "toen", "nu", "wel", "niet", "maar", "en"}
CLAUSE_END = re.compile(r"[;:]|,\s+(?:en|maar|terwijl|waarna|nadat|toen|die|dat|waar)\b|\.\s")


def attribution_chain(sentence: str, lex: Lexicon) -> list[str]:
    """Relays and sources named in the sentence, agencies before the original source."""
    agencies: list[str] = []
    sources: list[str] = []
    for pattern in lex.attribution:
        for match in pattern.finditer(sentence):
            who = re.sub(r"\s+", " ", match.group("who")).strip(" ,.")
            who = re.sub(r"^(?:de|het|De|Het) ", "", who)
            if not who or who.lower() in NOT_SOURCES:
                continue
            canonical = lex.agencies.get(who.lower())
            if canonical is not None:
                if canonical not in agencies:
                    agencies.append(canonical)
            elif who not in sources and not any(who in s or s in who for s in sources):
                sources.append(who)
    return agencies + sources


_CASUALTIES = ("killed", "injured", "arrested", "missing")


def _kind(after: str, clause: str, lex: Lexicon) -> str | None:
    """The figure kind nearest after the number, else anywhere in its clause."""
    found = sorted((match.start(), name) for name, pattern in lex.kinds
                   if (match := pattern.search(after)) is not None and match.start() < 120)
    if found:
        # "tientallen vluchtelingen kwamen om": what happened to them (killed) outranks who they are (displaced)
        casualty = next((name for _start, name in found if name in _CASUALTIES), None)
        return casualty or found[0][1]
    for name, pattern in lex.kinds:
        if pattern.search(clause):
            return name
    return None


def _group(after: str, lex: Lexicon) -> tuple[str | None, str | None]:
    words = after.strip()
    for group_type, pattern in lex.groups:
        match = pattern.match(words)
        if match:
            return match.group(), group_type
    return None, None


def _clause(sentence: str, start: int, end: int) -> tuple[int, int]:
    left = 0
    for match in CLAUSE_END.finditer(sentence, 0, start):
        left = match.end()
    following = CLAUSE_END.search(sentence, end)
    return left, following.start() if following else len(sentence)


def extract_claims(doc: Document, article: Article, events: list[Event] | None = None) -> list[Claim]:
    lex = lexicon("nl")
    claims: list[Claim] = []
    previous_chain: list[str] = []
    previous_paragraph = -1
    previous_claims: list[Claim] = []
    for index, sentence_model in enumerate(doc.sentences):
        offset = sentence_model.start
        sentence = doc.text[sentence_model.start:sentence_model.end]
        if sentence_model.paragraph != previous_paragraph:
            previous_chain = []
        previous_paragraph = sentence_model.paragraph
        chain = attribution_chain(sentence, lex)
        inherited = False
        if not chain and previous_chain:
            chain, inherited = previous_chain, True
        unconfirmed = bool(lex.unconfirmed.search(sentence))
        if unconfirmed and previous_claims and not find_quantities(sentence):
            for claim in previous_claims:  # "Of deze cijfers kloppen kan niet worden bevestigd."
                claim.unconfirmed = True
        current: list[Claim] = []
        for quantity in find_quantities(sentence):
            after = sentence[quantity.end:]
            if quantity.unit or lex.not_people.match(after):
                continue
            left, right = _clause(sentence, quantity.start, quantity.end)
            clause = sentence[left:right]
            kind = _kind(sentence[quantity.end:right], clause, lex)
            before = sentence[max(0, quantity.start - 30):quantity.start]
            subset = bool(lex.subset.search(before))
            if kind is None and subset and current:
                kind = current[-1].kind
            if kind is None:
                continue
            group, group_type = _group(after, lex)
            if group is None and kind in ("killed", "injured") and subset and current:
                group, group_type = current[-1].group, current[-1].group_type
            contexts = ["subset"] if subset else []
            if lex.reported.search(clause):
                contexts.append("reported")
            if inherited:
                contexts.append("attribution-inherited")
            claim = Claim(kind=kind, article_id=article.id, start=offset + quantity.start,
                          end=offset + quantity.end, text=sentence[quantity.start:quantity.end],
                          value=quantity.value, low=quantity.low, high=quantity.high, vague=quantity.vague,
                          qualifier=quantity.qualifier, group=group, group_type=group_type or "unknown",
                          attribution=[article.outlet, *chain], unconfirmed=unconfirmed, sentence=index,
                          contexts=contexts)
            if kind == "injured" and subset and re.search(r"ziekenhuis", after[:60], re.IGNORECASE):
                claim.contexts.append("hospitalised")
            current.append(claim)
        claims.extend(current)
        if current:
            previous_claims = current
        if chain and not inherited:
            previous_chain = chain
    if events:
        link_claims(claims, events)
    return claims


KIND_EVENTS = {
    "killed": ("Battles", "Explosions/Remote violence", "Violence against civilians", "Riots", "Protests"),
    "injured": ("Battles", "Explosions/Remote violence", "Violence against civilians", "Riots", "Protests"),
    "arrested": ("Strategic developments",),
    "crowd": ("Protests", "Riots"),
}


def link_claims(claims: list[Claim], events: list[Event]) -> None:
    """Each claim to the event mention in its sentence that fits its kind, else the nearest earlier one."""
    for claim in claims:
        fitting = [e for e in events if e.event_type in KIND_EVENTS.get(claim.kind, ())
                   and (claim.kind != "arrested" or e.sub_event_type == "Arrests")]
        same = [e for e in fitting if e.sentence == claim.sentence]
        earlier = [e for e in fitting if e.sentence < claim.sentence and claim.sentence - e.sentence <= 3]
        chosen = same[0] if same else (max(earlier, key=lambda e: e.sentence) if earlier else None)
        if chosen is None and claim.kind in ("killed", "injured"):
            near = [e for e in events if abs(e.sentence - claim.sentence) <= 2 and e.happened]
            chosen = near[0] if near else None
        claim.event_id = chosen.id if chosen else None

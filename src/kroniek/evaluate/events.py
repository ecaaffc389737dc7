"""``kroniek eval events FILE``: sentence-level event typing, event places and casualty figures on EventDNA.

Every document goes through the production path (analysis with Frog on cue sentences, then ``extract_article``);
predictions are mapped to EventDNA sentences by the character offset of their evidence. The mapping from kroniek's
types to EventDNA's:

| EventDNA | kroniek |
|---|---|
| Conflict/Attack | ACLED Battles, Explosions/Remote violence, Violence against civilians except abductions (ERE has no
  kidnapping type); the force of a Protest with intervention or Excessive force against protesters (tear gas, charges,
  shooting at protesters); riots are Conflict/Conflict there |
| Conflict/Demonstrate | PLOVER PROTEST except riots, which EventDNA files under Attack or Conflict |
| Life/Die | a killed figure, or a death word of the figures lexicon (kinds.killed, mentions.killed) in the sentence |
| Life/Injure | an injured figure, or an injury word of the figures lexicon (kinds.injured, mentions.injured);
  a hospital alone or "overleed aan zijn verwondingen" is not one (figure_only), nor an act named in a suspicion
  or charge ("op verdenking van seksueel misbruik", accused) -- the same holds for death words |
| Justice/ArrestJail | ACLED Arrests (PLOVER COERCE/arrest), a prison term (SANCTION/convict; not a term the prosecutor
  demands, which the extractor does not code), an arrested figure |
| Personnel/EndPosition | PLOVER RETREAT/resign and dismissals |
| Movement/TransportPerson | PLOVER MOBILIZE |

A violent act named in a suspicion, charge or inquiry (context "alleged": "verdacht van de moord op") is not an Attack,
as EventDNA codes the Justice event there; a Demonstrate resting only on words for protesters ("demonstranten") is
dropped when the sentence holds an Attack, as those protesters are its target or authors.

Gold sentences count for a type whatever their modality; gold figures are the numbers of people in the Victim argument
of Life/Die and Life/Injure events (not an age, "een jongen van 13 jaar", nor a duration). Predicted figures are every
killed or injured claim, a part of a total included ("21 doden, onder wie elf kinderen": 21 and 11). A gold Place is
right when any place evidence of a predicted event of a target type in that sentence overlaps it: the gazetteer's
place, the sentence's own words for the spot or a town the gazetteer does not know ("aan het Stationsplein", "in het
Britse Salisbury"), a place coordinated with the chosen one ("in Frankrijk en België"), "daar"/"hier" standing for
a place named before, or the nationality adjective on the trigger ("Palestijnse protesten"); sentences typed by a figure
or a death or injury word take the place nearest that figure or word.
"""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from kroniek.analyse.numbers import Quantity, find_quantities
from kroniek.analyse.pipeline import Analyser, AnalysisOptions
from kroniek.config import Settings
from kroniek.extract.events import only_participants
from kroniek.extract.lexicon import lexicon
from kroniek.extract.stage import extract_article
from kroniek.model import Article, Claim, Document, Event

TARGETS = ("Conflict/Attack", "Conflict/Demonstrate", "Life/Die", "Life/Injure", "Justice/ArrestJail")
ATTACK_TYPES = {"Battles", "Explosions/Remote violence", "Violence against civilians"}  # riots: EventDNA Conflict


# EventDNA (ERE) has no kidnapping type: an abduction is not a violent physical act of its own there.
NOT_ATTACK = {"Abduction/forced disappearance"}
# Force used against a protest (tear gas, charges, batons, shooting protesters) is an Attack in EventDNA.
FORCE_AGAINST_PROTEST = {"Protest with intervention", "Excessive force against protesters"}


def event_labels(event: Event) -> set[str]:
    labels: set[str] = set()
    if "alleged" in event.contexts:  # EventDNA codes the charge (Justice), not the act it names
        return labels
    if (event.event_type in ATTACK_TYPES and event.sub_event_type not in NOT_ATTACK) or \
            event.sub_event_type in FORCE_AGAINST_PROTEST:
        labels.add("Conflict/Attack")
    if event.plover_type == "PROTEST" and event.plover_mode != "riot":
        labels.add("Conflict/Demonstrate")  # EventDNA files riots under Attack or Conflict
    if event.sub_event_type == "Arrests" or (event.plover_type == "SANCTION" and event.plover_mode == "convict"):
        labels.add("Justice/ArrestJail")
    if event.plover_mode == "resign" or (event.plover_type == "COERCE" and
                                         event.sub_event_type == "Change to group/activity"):
        labels.add("Personnel/EndPosition")
    if event.plover_type == "MOBILIZE":
        labels.add("Movement/TransportPerson")
    return labels


CLAIM_LABELS = {"killed": "Life/Die", "injured": "Life/Injure", "arrested": "Justice/ArrestJail"}


def _sentence_of(spans: list[list[int]], offset: int) -> int | None:
    for index, (start, end) in enumerate(spans):
        if start <= offset < end:
            return index
    return None


def with_sentence_breaks(doc: dict[str, Any]) -> str:
    """EventDNA joins its sentences with single spaces, headline included ("... in Kaboel De aanslag ..."); a real
    article has a line break after its headline. Put one in place of each separating space, offsets unchanged, so
    the analyser sees the gold sentence boundaries."""
    chars = list(doc["text"])
    for start, _end in doc["sentences"][1:]:
        if 0 < start <= len(chars) and chars[start - 1] == " ":
            chars[start - 1] = "\n"
    return "".join(chars)


def predict_document(doc: dict[str, Any], events: list[Event], claims: list[Claim],
                     analysed: Document | None = None) -> dict[str, Any]:
    spans = doc["sentences"]
    text = doc["text"]
    types: dict[int, set[str]] = defaultdict(set)
    places: list[dict[str, Any]] = []
    lex = lexicon("nl")
    protest_rule = next((r for r in lex.events if r.name == "protest"), None)
    participants_only: set[int] = set()  # sentences whose Demonstrate rests on words for protesters alone
    protest_named: set[int] = set()
    for event in events:
        trigger = next((e for e in event.evidence if e.field == "trigger"), None)
        index = _sentence_of(spans, trigger.start) if trigger else None
        if index is None:
            continue
        labels = event_labels(event)
        types[index] |= labels
        if "Conflict/Demonstrate" in labels:
            sentence_text = text[spans[index][0]:spans[index][1]]
            if protest_rule is not None and event.trigger.lower() in (
                    m.group().lower() for m in protest_rule.pattern.finditer(sentence_text)) \
                    and only_participants(sentence_text, protest_rule, lex) is not None:
                participants_only.add(index)
            else:
                protest_named.add(index)
        for place in (e for e in event.evidence if e.field in ("place", "location")):
            if labels & set(TARGETS):
                places.append({"sentence": index, "text": place.text})
    figures = []
    anchors: dict[int, int] = {}  # sentence -> offset in the document of what typed it (a figure, a death word)
    for claim in claims:
        index = _sentence_of(spans, claim.start)
        if index is None:
            continue
        if claim.kind in CLAIM_LABELS:
            figures.append({"sentence": index, "kind": claim.kind, "value": claim.value})
            if "subset" not in claim.contexts:
                types[index].add(CLAIM_LABELS[claim.kind])
                anchors.setdefault(index, claim.start)
    # Protesters who are the target or the authors of an attack ("de politie schoot op demonstranten", "betogers
    # bekogelden agenten") are arguments of that attack in EventDNA, not a Demonstrate of their own.
    for index in participants_only - protest_named:
        if "Conflict/Attack" in types[index]:
            types[index].discard("Conflict/Demonstrate")
    for index, (start, end) in enumerate(spans):
        sentence = text[start:end]
        if lex.no_victims.search(sentence):
            continue
        for kind, label in (("killed", "Life/Die"), ("injured", "Life/Injure")):
            at = reports_casualty(sentence, kind)
            if at is not None:
                types[index].add(label)
                anchors.setdefault(index, start + at)
    # Sentences typed by figures or death/injury words have no event record of their own: their place is chosen as
    # the event extractor would choose it, from the figure or the word that typed the sentence.
    if analysed is not None:
        from kroniek.extract.events import (
            DocumentContext,
            choose_place,
            coordinated_places,
            deictic_evidence,
            site_evidence,
        )

        context = DocumentContext.of(analysed)
        placed = {p["sentence"] for p in places}
        for sentence_index, sentence in enumerate(analysed.sentences):
            index = _sentence_of(spans, sentence.start)
            if index is None or index in placed or not types.get(index, set()) & set(TARGETS):
                continue
            at = anchors.get(index, sentence.start)
            _place, evidence = choose_place(analysed, sentence_index, context, str(doc["id"]), at)
            local = evidence is not None and sentence.start <= evidence.start < sentence.end
            if evidence is not None and local:
                places.append({"sentence": index, "text": evidence.text})
                places.extend({"sentence": index, "text": e.text}
                              for e in coordinated_places(analysed, sentence_index, context, evidence, str(doc["id"])))
            else:
                places.extend({"sentence": index, "text": e.text} for e in deictic_evidence(
                    analysed.text[sentence.start:sentence.end], sentence.start, lex, str(doc["id"])))
                named = next((e for e in analysed.entities if e.label == "LOC" and e.sentence == sentence_index),
                             None)
                if named is not None:  # a place the gazetteer does not know ("Assebroekse Meersen")
                    places.append({"sentence": index, "text": named.text})
            for site in site_evidence(analysed.text[sentence.start:sentence.end], sentence.start,
                                      [(at - sentence.start, at - sentence.start)], lex, str(doc["id"]),
                                      evidence.text if evidence is not None and local else None):
                places.append({"sentence": index, "text": site.text})
    return {"id": doc["id"], "sentences": [{"index": i, "types": sorted(t)} for i, t in sorted(types.items())],
            "places": places, "figures": figures}


def reports_casualty(sentence: str, kind: str) -> int | None:
    """Where a death or injury word of the figures lexicon says the sentence reports a death or an injury (the offset
    of the first one), or None. Words that only make a number a figure ("in het ziekenhuis", "overleed aan zijn
    verwondingen" for injuries) are blanked first; an act named as the object of a suspicion or charge ("op verdenking
    van seksueel misbruik") is an accusation, not a report."""
    lex = lexicon("nl")
    if kind in lex.figure_only:
        sentence = lex.figure_only[kind].sub(lambda m: " " * len(m.group()), sentence)
    found = [m.start() for pattern in (dict(lex.kinds)[kind], lex.mentions.get(kind)) if pattern is not None
             for m in pattern.finditer(sentence)
             if lex.accused is None or not lex.accused.search(sentence, 0, m.start())]
    return min(found) if found else None


def victim_count(phrase: str) -> Quantity | None:
    """The number of victims in a Victim argument: the longest amount that is not an age or a duration ("een jongen
    van 13 jaar", "gevangene die zeven dagen geen water kreeg") nor a number in brackets ("Jan ( 71 )")."""
    lex = lexicon("nl")
    counts = [q for q in find_quantities(phrase) if not q.unit and not lex.not_people.match(phrase[q.end:])
              and not (phrase[:q.start].rstrip().endswith("(") and phrase[q.end:].lstrip().startswith(")"))]
    return max(counts, key=lambda q: q.end - q.start) if counts else None


def gold_of(doc: dict[str, Any]) -> tuple[dict[int, set[str]], list[tuple[int, str, str]], list[tuple[int, str, int]]]:
    types: dict[int, set[str]] = defaultdict(set)
    places: list[tuple[int, str, str]] = []
    figures: list[tuple[int, str, int]] = []
    for event in doc["events"]:
        label = f"{event['type']}/{event['subtype']}"
        index = event["sentence"]
        types[index].add(label)
        if label not in TARGETS:
            continue
        for argument in event.get("arguments", []):
            if argument["role"] == "Place":
                places.append((index, label, argument["text"]))
            if argument["role"] == "Victim" and label in ("Life/Die", "Life/Injure"):
                quantity = victim_count(argument["text"])
                if quantity is not None and quantity.value is not None:
                    figures.append((index, "killed" if label == "Life/Die" else "injured", quantity.value))
    return types, places, figures


def _overlap(a: str, b: str) -> bool:
    a, b = a.lower().strip(), b.lower().strip()
    return bool(a) and bool(b) and (a in b or b in a)


def score(documents: list[dict[str, Any]], predictions: list[dict[str, Any]]) -> dict[str, Any]:
    counts: Counter[tuple[str, str]] = Counter()
    place_total = place_right = figure_total = figure_right = 0
    for doc, predicted in zip(documents, predictions, strict=True):
        gold_types, gold_places, gold_figures = gold_of(doc)
        predicted_types = {s["index"]: set(s["types"]) for s in predicted["sentences"]}
        for index in range(len(doc["sentences"])):
            gold = gold_types.get(index, set())
            mine = predicted_types.get(index, set())
            for label in TARGETS:
                if label in gold and label in mine:
                    counts[label, "tp"] += 1
                elif label in mine:
                    counts[label, "fp"] += 1
                elif label in gold:
                    counts[label, "fn"] += 1
        for index, _label, text in gold_places:
            place_total += 1
            if any(p["sentence"] == index and _overlap(p["text"], text) for p in predicted["places"]):
                place_right += 1
        for index, kind, value in gold_figures:
            figure_total += 1
            if any(f["sentence"] == index and f["kind"] == kind and f["value"] == value
                   for f in predicted["figures"]):
                figure_right += 1
    per_type = {}
    for label in TARGETS:
        tp, fp, fn = counts[label, "tp"], counts[label, "fp"], counts[label, "fn"]
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        per_type[label] = {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
                           "gold": tp + fn, "predicted": tp + fp}
    return {
        "types": per_type,
        "macro_f1": round(sum(v["f1"] for v in per_type.values()) / len(per_type), 4),
        "place_accuracy": round(place_right / place_total, 4) if place_total else None,
        "places": place_total,
        "figures_exact": round(figure_right / figure_total, 4) if figure_total else None,
        "figures": figure_total,
    }


def evaluate(file: Path, predictions_path: Path | None, settings: Settings) -> dict[str, Any]:
    documents = [json.loads(line) for line in file.open(encoding="utf-8") if line.strip()]
    started = time.perf_counter()
    predictions: list[dict[str, Any]] = []
    with Analyser(AnalysisOptions.from_settings(settings.section("analyse"))) as analyser:
        for start in range(0, len(documents), 32):
            chunk = documents[start:start + 32]
            articles = [Article(outlet="eventdna", text=with_sentence_breaks(d), id=str(d["id"]), language="nl")
                        for d in chunk]
            batch = analyser.analyse_batch(articles)
            for doc, article, analysed in zip(chunk, articles, batch.documents, strict=True):
                events, claims = extract_article(article, analysed)
                predictions.append(predict_document(doc, events, claims, analysed))
    seconds = time.perf_counter() - started
    result = score(documents, predictions)
    result["documents"] = len(documents)
    result["seconds"] = round(seconds, 1)
    result["mapping"] = {"Conflict/Attack": [*sorted(ATTACK_TYPES), "not abductions", "force against a protest"],
                         "Conflict/Demonstrate": ["PROTEST (not riot)"],
                         "Life/Die": ["killed figure", "death words"], "Life/Injure": ["injured figure",
                                                                                       "injury words"],
                         "Justice/ArrestJail": ["Arrests", "SANCTION/convict", "arrested figure"],
                         "Personnel/EndPosition": ["RETREAT/resign", "dismissal"],
                         "Movement/TransportPerson": ["MOBILIZE"]}
    if predictions_path is not None:
        with predictions_path.open("w", encoding="utf-8") as out:
            for row in predictions:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
    lines = [f"{'type':<22} {'prec':>6} {'rec':>6} {'F1':>6} {'gold':>5}"]
    for label, row in result["types"].items():
        lines.append(f"{label:<22} {row['precision']:>6.3f} {row['recall']:>6.3f} {row['f1']:>6.3f} {row['gold']:>5}")
    lines.append(f"macro-F1 {result['macro_f1']:.3f} · place accuracy {result['place_accuracy']} "
                 f"({result['places']}) · killed/injured figures exact {result['figures_exact']} ({result['figures']})")
    lines.append(f"{len(documents)} documents in {result['seconds']} s")
    result["summary"] = "\n".join(lines)
    return result

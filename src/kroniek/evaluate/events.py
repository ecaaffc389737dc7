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
| Life/Die | a killed figure, or a hit of a trigger class that says someone died (``extract/nl/triggers.toml``:
  dying, killing; entries with casualty = "killed") in the sentence |
| Life/Injure | an injured figure, or a hit that says someone was hurt (injury; stabbing, beating, torture, sexual
  violence, gas attacks); a hospital alone or "overleed aan zijn verwondingen" is not one (figures.toml
  figure_only), nor a negated one ("raakte niet gewond") or one the sense layer finds figurative, generic, about
  animals or only referred to -- the same holds for deaths |
| Justice/ArrestJail | ACLED Arrests (PLOVER COERCE/arrest), a prison term (SANCTION/convict; not a term the prosecutor
  demands, which the sense layer finds referred), an arrested figure |
| Personnel/EndPosition | PLOVER RETREAT/resign and dismissals |
| Movement/TransportPerson | PLOVER MOBILIZE |

An act the sense layer finds only referred to (context "referred": a trial, a charge, "verdacht van de moord op",
a commemoration) is no new event on a story's timeline, but its sentence still asserts that it happened, as ERE
annotates it, so it types the sentence (measured: Attack F1 tune 0.682 → 0.730, check 0.663 → 0.693); a death or
injury word in such a frame types nothing (counting it: Die up 0.02 / 0.005, Injure down 0.05 / 0.01). A hunger
strike is no Demonstrate (no gathering); a Demonstrate resting only on words for protesters ("demonstranten") is
dropped when the sentence holds an Attack, as those protesters are its target or authors.

Scoring follows ``../shared/eval/events_score.py``, the scorer that unseen text is judged with (and which this
command also runs, when it is there, printing its summary beside ours): gold events count only when Asserted and
Positive; a gold Place is right when one of its content words is in a predicted place of that sentence: the
gazetteer's place, the sentence's own words for the spot or a town the gazetteer does not know ("aan het
Stationsplein", "in het Britse Salisbury"), a place coordinated with the chosen one ("in Frankrijk en België"),
"daar"/"hier" standing for a place named before, or the nationality adjective on the trigger ("Palestijnse
protesten"); sentences typed by a figure or a death or injury word take the place nearest that figure or word.
Killed and injured figures are scored as F1 over (document, sentence, kind, value) against a figures gold coded by
``../shared/eval/figures-coding.md`` (``data/gold/eventdna-dev.figures.jsonl`` for the dev set); a part of a total
("twaalf doden, onder wie vier kinderen": the four) is not predicted.

``--split tune|check`` scores one side of the deterministic split by document (``evaluate/split.py``); ``--errors N``
lists misses with their sentences, on tune only.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from kroniek.config import Settings
from kroniek.evaluate.split import guard, select
from kroniek.extract import sense as sense_layer
from kroniek.extract.cues import needs_deep
from kroniek.extract.events import PROTEST_CLASSES, contexts_for, only_participants
from kroniek.extract.lexicon import lexicon
from kroniek.extract.stage import extract_article
from kroniek.extract.triggers import Hit, match_text, sentence_hits, trigger_lexicon
from kroniek.model import Article, Claim, Document, Event
from kroniek.pipeline import make_analyser

TARGETS = ("Conflict/Attack", "Conflict/Demonstrate", "Life/Die", "Life/Injure", "Justice/ArrestJail")
ATTACK_TYPES = {"Battles", "Explosions/Remote violence", "Violence against civilians"}  # riots: EventDNA Conflict


# EventDNA (ERE) has no kidnapping type: an abduction is not a violent physical act of its own there.
NOT_ATTACK = {"Abduction/forced disappearance"}
# Force used against a protest (tear gas, charges, batons, shooting protesters) is an Attack in EventDNA.
FORCE_AGAINST_PROTEST = {"Protest with intervention", "Excessive force against protesters"}


def event_labels(event: Event) -> set[str]:
    labels: set[str] = set()
    # An act only referred to (named in a trial, charge, funeral, commemoration) is no new event on a story's
    # timeline, but the text still asserts that it happened, and ERE annotates it as such: it types its sentence.
    if (event.event_type in ATTACK_TYPES and event.sub_event_type not in NOT_ATTACK) or \
            event.sub_event_type in FORCE_AGAINST_PROTEST:
        labels.add("Conflict/Attack")
    if event.plover_type == "PROTEST" and event.plover_mode not in ("riot", "strike-hun"):
        # EventDNA files riots under Attack or Conflict; a hunger strike is no gathering (ERE Demonstrate)
        labels.add("Conflict/Demonstrate")
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
    participants_only: set[int] = set()  # sentences whose Demonstrate rests on words for protesters alone
    protest_named: set[int] = set()
    for event in events:
        trigger = next((e for e in event.evidence if e.field == "trigger"), None)
        index = _sentence_of(spans, trigger.start) if trigger else None
        if index is None:
            continue
        if trigger is not None and _planned(analysed, trigger.start, trigger.end, "future" in event.contexts):
            continue  # an act the sense layer reads as to come ("willen staken vanaf 11 mei") is not asserted
        labels = event_labels(event)
        types[index] |= labels
        if "Conflict/Demonstrate" in labels:
            if only_participants(_hits(doc, index, analysed), PROTEST_CLASSES) is not None:
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
        if claim.kind in CLAIM_LABELS and "subset" not in claim.contexts:  # a part of a total is no figure
            figures.append({"sentence": index, "kind": claim.kind, "value": claim.value})
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
        hits = _hits(doc, index, analysed)
        for kind, label in (("killed", "Life/Die"), ("injured", "Life/Injure")):
            at = reports_casualty(sentence, kind, hits, start, analysed)
            if at is not None:
                types[index].add(label)
                anchors.setdefault(index, start + at)
    # Sentences typed by figures or death/injury words have no event record of their own: their place is chosen as
    # the event extractor would choose it, from the figure or the word that typed the sentence.
    if analysed is not None:
        from kroniek.extract.places import DocumentContext, places_at

        context = DocumentContext.of(analysed)
        placed = {p["sentence"] for p in places}
        for sentence_index, sentence in enumerate(analysed.sentences):
            index = _sentence_of(spans, sentence.start)
            if index is None or index in placed or not types.get(index, set()) & set(TARGETS):
                continue
            at = anchors.get(index, sentence.start)
            places.extend({"sentence": index, "text": e.text}
                          for e in places_at(analysed, sentence_index, context, str(doc["id"]), at))
    return {"id": doc["id"], "sentences": [{"index": i, "types": sorted(t)} for i, t in sorted(types.items())],
            "places": places, "figures": figures}


def _planned(analysed: Document | None, start: int, end: int, future: bool) -> bool:
    """Whether a future event's trigger is one the sense layer finds planned by its verb's tense."""
    if not future or analysed is None:
        return False
    index = analysed.sentence_at(start)
    if index is None:
        return False
    return any(sense_layer.assess(analysed, index, h.start, h.end, h.cls).planned is not None
               for h in sentence_hits(analysed, index) if h.start < end and start < h.end)


def _hits(doc: dict[str, Any], index: int, analysed: Document | None) -> list[Hit]:
    """Trigger hits of EventDNA sentence ``index``, from the analysed sentence at the same place when there is one
    (Frog's lemmas where it saw it), else from the sentence's text; offsets in the document."""
    start, end = doc["sentences"][index]
    if analysed is not None:
        sentence_index = analysed.sentence_at(start)
        if sentence_index is not None and analysed.sentences[sentence_index].start == start:
            return sentence_hits(analysed, sentence_index)
    return match_text(doc["text"][start:end], start)


def casualty_of(hit: Hit) -> str:
    """"killed", "injured" or "": whether a hit says that someone died or was hurt (its entry, else its class)."""
    return hit.entry.casualty or trigger_lexicon().classes[hit.cls].casualty


def reports_casualty(sentence: str, kind: str, hits: list[Hit] | None = None, offset: int = 0,
                     analysed: Document | None = None) -> int | None:
    """Where a death or injury word says the sentence reports a death or an injury (the offset in the sentence of
    the first one), or None. ``hits`` are the sentence's trigger hits (document offsets; ``offset`` is the
    sentence's start), found from the text when not given. Words that only make a number a figure ("in het
    ziekenhuis", "overleed aan zijn verwondingen" for injuries, ``figures.toml`` [figure_only]) do not count;
    nor does a hit the sense layer finds figurative, generic, about animals or only referred to."""
    lex = lexicon("nl")
    if hits is None:
        hits = match_text(sentence, offset)
    blanked = [(m.start(), m.end()) for m in lex.figure_only[kind].finditer(sentence)] if kind in lex.figure_only \
        else []
    found = []
    for hit in hits:
        if casualty_of(hit) != kind:
            continue
        start, end = hit.start - offset, hit.end - offset
        if any(b_start <= start and end <= b_end for b_start, b_end in blanked):
            continue
        if analysed is not None:
            index = analysed.sentence_at(hit.start)
            if index is not None and not sense_layer.assess(analysed, index, hit.start, hit.end, hit.cls).reports_event:
                continue
        unsaid = sentence[:start] + " " * (end - start) + sentence[end:]  # the hit's own "niet" does not negate it
        if "negated" in contexts_for(unsaid, (start, end), lex, None, None):
            continue  # "de bestuurder raakte niet gewond"
        found.append(start)
    return min(found) if found else None


def gold_of(doc: dict[str, Any]) -> tuple[dict[int, set[str]], list[tuple[int, str, str]]]:
    """Gold types per sentence and gold places, as ``../shared/eval/events_score.py`` counts them: events of the
    five target types whose modality is Asserted and polarity Positive."""
    types: dict[int, set[str]] = defaultdict(set)
    places: list[tuple[int, str, str]] = []
    for event in doc["events"]:
        label = f"{event['type']}/{event['subtype']}"
        if label not in TARGETS or event.get("modality") != "Asserted" or event.get("polarity") != "Positive":
            continue
        index = event["sentence"]
        types[index].add(label)
        for argument in event.get("arguments", []):
            if argument["role"] == "Place":
                places.append((index, label, argument["text"]))
    return types, places


_PLACE_STOPWORDS = frozenset({"de", "het", "een", "in", "van", "bij", "op", "te", "aan"})


def screen_reach(documents: list[dict[str, Any]]) -> dict[str, Any]:
    """How much the triage screen (``extract.cues.needs_deep``) lets through: the share of gold event sentences it
    selects for deep analysis (it must not cap recall) and the share of all sentences it selects (what Frog costs)."""
    gold_sentences = selected_gold = sentences = selected = 0
    for doc in documents:
        types, _places = gold_of(doc)
        for index, (start, end) in enumerate(doc["sentences"]):
            chosen = needs_deep(doc["text"][start:end])
            sentences += 1
            selected += chosen
            if index in types:
                gold_sentences += 1
                selected_gold += chosen
    return {"gold_sentences": gold_sentences, "gold_selected": round(selected_gold / (gold_sentences or 1), 3),
            "sentences": sentences, "selected": round(selected / (sentences or 1), 3)}


def content_words(text: str) -> set[str]:
    """The words a gold and a predicted place must share (the shared scorer's rule)."""
    return set(re.findall(r"\w+", text.lower())) - _PLACE_STOPWORDS


FigureKey = tuple[str, int, str, int]  # document, sentence, kind, value


def read_figures_gold(path: Path) -> set[FigureKey]:
    """Killed and injured records of a figures gold (``figures-coding.md``: one per document, sentence, kind)."""
    found: set[FigureKey] = set()
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            try:
                key = (str(row["id"]), int(row["sentence"]), str(row["kind"]), int(row["value"]))
            except (KeyError, TypeError, ValueError) as exc:
                raise ValueError(f"{path}:{number}: a figures record needs id, sentence, kind and value") from exc
            if key[2] in ("killed", "injured"):
                found.add(key)
    return found


def _prf(tp: int, fp: int, fn: int) -> dict[str, Any]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4), "gold": tp + fn,
            "predicted": tp + fp}


def score(documents: list[dict[str, Any]], predictions: list[dict[str, Any]],
          figures_gold: set[FigureKey] | None = None, errors: int = 0) -> dict[str, Any]:
    """The shared scorer's figures: per-sentence P/R/F1 per type and their macro-F1, the share of gold places
    sharing a content word with a predicted place of the sentence, and killed+injured figures as F1 over
    (document, sentence, kind, value). ``errors`` lists up to that many misses of each kind, with sentences."""
    counts: Counter[tuple[str, str]] = Counter()
    place_total = place_right = 0
    listed: dict[str, list[dict[str, Any]]] = defaultdict(list)

    def note(category: str, doc: dict[str, Any], index: int, **extra: Any) -> None:
        if errors and len(listed[category]) < errors:
            start, end = doc["sentences"][index]
            listed[category].append({"id": doc["id"], "sentence": index, "text": doc["text"][start:end], **extra})

    predicted_figures: set[FigureKey] = set()
    for doc, predicted in zip(documents, predictions, strict=True):
        gold_types, gold_places = gold_of(doc)
        predicted_types: dict[int, set[str]] = defaultdict(set)
        for row in predicted["sentences"]:
            predicted_types[row["index"]].update(t for t in row["types"] if t in TARGETS)
        for index in range(len(doc["sentences"])):
            gold, mine = gold_types.get(index, set()), predicted_types.get(index, set())
            for label in TARGETS:
                if label in gold and label in mine:
                    counts[label, "tp"] += 1
                elif label in mine:
                    counts[label, "fp"] += 1
                    note(f"{label} false positive", doc, index)
                elif label in gold:
                    counts[label, "fn"] += 1
                    note(f"{label} missed", doc, index)
        by_sentence: dict[int, list[set[str]]] = defaultdict(list)
        for place in predicted["places"]:
            by_sentence[place["sentence"]].append(content_words(place.get("text", "")))
        for index, label, text in gold_places:
            place_total += 1
            wanted = content_words(text)
            if wanted and any(wanted & mine for mine in by_sentence.get(index, [])):
                place_right += 1
            else:
                note("place missed", doc, index, gold=text, type=label,
                     predicted=[p["text"] for p in predicted["places"] if p["sentence"] == index])
        for figure in predicted["figures"]:
            if figure.get("kind") in ("killed", "injured"):
                predicted_figures.add((str(doc["id"]), int(figure["sentence"]), str(figure["kind"]),
                                       int(figure["value"])))
    per_type = {label: _prf(counts[label, "tp"], counts[label, "fp"], counts[label, "fn"]) for label in TARGETS}
    result: dict[str, Any] = {
        "types": per_type,
        "macro_f1": round(sum(v["f1"] for v in per_type.values()) / len(per_type), 4),
        "place_accuracy": round(place_right / place_total, 4) if place_total else None,
        "places": place_total,
    }
    if figures_gold is not None:
        ids = {str(d["id"]) for d in documents}
        gold_figures = {key for key in figures_gold if key[0] in ids}
        hit = len(gold_figures & predicted_figures)
        result["figures"] = _prf(hit, len(predicted_figures) - hit, len(gold_figures) - hit)
        if errors:
            texts = {str(d["id"]): d for d in documents}
            for category, keys in (("figure false positive", predicted_figures - gold_figures),
                                   ("figure missed", gold_figures - predicted_figures)):
                for doc_id, index, kind, value in sorted(keys)[:errors]:
                    note(category, texts[doc_id], index, kind=kind, value=value)
    if errors:
        result["errors"] = dict(listed)
    return result


def shared_scorer(file: Path) -> Path | None:
    """``events_score.py`` of the shared evaluation kit next to the data (``shared/data/x/dev.jsonl`` →
    ``shared/eval/``), when there is one."""
    for folder in file.resolve().parents:
        candidate = folder / "eval" / "events_score.py"
        if candidate.is_file():
            return candidate
    return None


def run_shared_scorer(scorer: Path, documents: list[dict[str, Any]], predictions: list[dict[str, Any]],
                      figures_gold: set[FigureKey] | None) -> dict[str, float]:
    """The shared scorer on the same documents and predictions: its summary line, parsed."""
    with tempfile.TemporaryDirectory(prefix="kroniek-eval-") as folder:
        gold_path, pred_path, figures_path = (Path(folder) / n for n in ("gold.jsonl", "pred.jsonl", "fig.jsonl"))
        gold_path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in documents), encoding="utf-8")
        pred_path.write_text("".join(json.dumps(p, ensure_ascii=False) + "\n" for p in predictions),
                             encoding="utf-8")
        command = [sys.executable, str(scorer), str(gold_path), str(pred_path)]
        if figures_gold is not None:  # the records of these documents only: the scorer counts every one as gold
            ids = {str(d["id"]) for d in documents}
            figures_path.write_text("".join(json.dumps({"id": i, "sentence": s, "kind": k, "value": v}) + "\n"
                                            for i, s, k, v in sorted(figures_gold) if i in ids), encoding="utf-8")
            command.append(str(figures_path))
        done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=300)
    last = done.stdout.strip().splitlines()[-1]
    return {key: float(value) for key, value in re.findall(r"(\w+)=([\d.]+)", last)}


DEFAULT_FIGURES_GOLD = Path("data") / "gold" / "eventdna-dev.figures.jsonl"


def find_figures_gold(path: Path | None) -> Path | None:
    if path is not None:
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no such figures gold")
        return path
    for root in (Path.cwd(), Path(__file__).resolve().parents[3]):
        if (root / DEFAULT_FIGURES_GOLD).is_file():
            return root / DEFAULT_FIGURES_GOLD
    return None


def evaluate(file: Path, predictions_path: Path | None, settings: Settings, split: str = "all", errors: int = 0,
             figures: Path | None = None) -> dict[str, Any]:
    guard(split, predictions_path, errors)
    documents = select([json.loads(line) for line in file.open(encoding="utf-8") if line.strip()],
                       lambda d: str(d["id"]), split)
    figures_file = find_figures_gold(figures)
    figures_gold = read_figures_gold(figures_file) if figures_file is not None else None
    started = time.perf_counter()
    predictions: list[dict[str, Any]] = []
    with make_analyser(settings) as analyser:
        for start in range(0, len(documents), 32):
            chunk = documents[start:start + 32]
            articles = [Article(outlet="eventdna", text=with_sentence_breaks(d), id=str(d["id"]), language="nl")
                        for d in chunk]
            batch = analyser.analyse_batch(articles)
            for doc, article, analysed in zip(chunk, articles, batch.documents, strict=True):
                events, claims = extract_article(article, analysed)
                predictions.append(predict_document(doc, events, claims, analysed))
    seconds = time.perf_counter() - started
    result = score(documents, predictions, figures_gold, errors)
    result["split"] = split
    result["documents"] = len(documents)
    result["seconds"] = round(seconds, 1)
    result["figures_gold"] = str(figures_file) if figures_file is not None else None
    result["screen"] = screen_reach(documents)
    scorer = shared_scorer(file)
    if scorer is not None:
        result["shared_scorer"] = run_shared_scorer(scorer, documents, predictions, figures_gold)
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
    lines = [f"split {split}: {len(documents)} documents (gold: asserted, positive events)",
             f"{'type':<22} {'prec':>6} {'rec':>6} {'F1':>6} {'gold':>5}"]
    for label, row in result["types"].items():
        lines.append(f"{label:<22} {row['precision']:>6.3f} {row['recall']:>6.3f} {row['f1']:>6.3f} {row['gold']:>5}")
    figures_line = "no figures gold"
    if "figures" in result:
        f = result["figures"]
        figures_line = (f"killed+injured figures P {f['precision']:.3f} R {f['recall']:.3f} F1 {f['f1']:.3f} "
                        f"(gold {f['gold']}, predicted {f['predicted']})")
    lines.append(f"macro-F1 {result['macro_f1']:.3f} · place accuracy {result['place_accuracy']} "
                 f"({result['places']}) · {figures_line}")
    reach = result["screen"]
    lines.append(f"triage screen: {reach['gold_selected']:.1%} of {reach['gold_sentences']} gold event sentences "
                 f"selected for deep analysis, {reach['selected']:.1%} of all {reach['sentences']} sentences")
    if "shared_scorer" in result:
        lines.append("shared scorer: " + " ".join(f"{k}={v:g}" for k, v in result["shared_scorer"].items()))
    lines.append(f"{len(documents)} documents in {result['seconds']} s")
    for kind, rows in result.get("errors", {}).items():
        lines.append(f"\n## {kind} ({len(rows)} listed)")
        for row in rows:
            extra = {k: v for k, v in row.items() if k not in ("id", "sentence", "text")}
            lines.append(f"- {row['id']}#{row['sentence']}: {row['text']}" + (f"  {extra}" if extra else ""))
    result["summary"] = "\n".join(lines)
    return result

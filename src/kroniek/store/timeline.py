"""A story's timeline as a person reads it: one plain line per event, entries of a day in article order, and a
figures summary with one row per figure kind and group.

Everything here is built from the stored fields of events, figures and claims (the read side: no pipeline stage
is imported), in English, whatever the language of the articles.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import select

from kroniek.store import schema

# What each kind of event does, as a verb phrase: "{a}" is the first actor, "{b}" the second ("" when none).
# Keyed by (sub-event type, PLOVER type, PLOVER mode), with "*" for any; the most specific key wins.
VERB_PHRASES: dict[tuple[str, str, str], str] = {
    ("Peaceful protest", "PROTEST", "strike-gen"): "{a} go on strike",
    ("Peaceful protest", "PROTEST", "strike-hun"): "{a} go on hunger strike",
    ("Peaceful protest", "*", "*"): "{a} demonstrate",
    ("Protest with intervention", "*", "*"): "{a} demonstrate; {b} intervene",
    ("Excessive force against protesters", "*", "*"): "{b} use force against {a}",
    ("Violent demonstration", "*", "*"): "{a} riot",
    ("Mob violence", "*", "*"): "a mob attacks {b}",
    ("Armed clash", "*", "*"): "{a} clash with {b}",
    ("Non-state actor overtakes territory", "*", "*"): "{a} take over territory",
    ("Government regains territory", "*", "*"): "{a} regain territory",
    ("Air/drone strike", "*", "*"): "{a} carry out an air or drone strike on {b}",
    ("Shelling/artillery/missile attack", "*", "*"): "{a} shell {b}",
    ("Remote explosive/landmine/IED", "*", "*"): "an explosive goes off, set by {a}",
    ("Suicide bomb", "*", "*"): "{a} carry out a suicide bombing",
    ("Chemical weapon", "*", "*"): "{a} use a chemical weapon against {b}",
    ("Abduction/forced disappearance", "*", "*"): "{a} abduct {b}",
    ("Sexual violence", "*", "*"): "{a} commit sexual violence against {b}",
    ("Attack", "*", "*"): "{a} attack {b}",
    ("Looting/property destruction", "*", "*"): "{a} destroy or loot property",
    ("Arrests", "*", "*"): "{a} arrest {b}",
    ("Agreement", "*", "*"): "{a} reach an agreement with {b}",
    ("Change to group/activity", "RETREAT", "*"): "{a} resign",
    ("Change to group/activity", "COERCE", "*"): "{a} dismiss {b}",
    ("Other", "REQUEST", "*"): "{a} ask {b} for help",
    ("Other", "MOBILIZE", "*"): "{a} deploy troops",
    ("Other", "SANCTION", "convict"): "{a} sentence {b}",
    ("Other", "SANCTION", "expel"): "{a} expel {b}",
    ("Other", "SANCTION", "*"): "{a} impose sanctions on {b}",
    ("Other", "COERCE", "curfew"): "{a} impose a curfew",
    ("Other", "COERCE", "censor"): "{a} shut down the internet",
    ("Other", "COERCE", "*"): "{a} impose restrictions on {b}",
}

# Without a second actor these say what is done to whom in general terms.
WITHOUT_TARGET = {"{a} arrest {b}": "{a} make arrests", "{a} dismiss {b}": "{a} dismiss officials",
                  "{a} expel {b}": "{a} expel people", "{a} sentence {b}": "{a} hand down a sentence",
                  "{a} abduct {b}": "{a} abduct people", "a mob attacks {b}": "mob violence",
                  "{a} shell {b}": "{a} fire shells"}

# How an event that is not news of something that happened is said.
CONTEXT_WORDS = (("negated", "did not happen"), ("future", "planned"), ("hypothetical", "possible"),
                 ("historical", "earlier"), ("referred", "referred to"))
NOT_HAPPENED = frozenset(word for word, _ in CONTEXT_WORDS)

FIGURE_KINDS = ("killed", "injured", "arrested", "crowd")  # the summary's rows, in this order; others follow
FIGURE_LABELS = {"killed": "Killed", "injured": "Injured", "arrested": "Arrested", "crowd": "Crowd",
                 "missing": "Missing", "displaced": "Displaced"}
UNKNOWN_GROUPS = ("", "unknown", "none")


def verb_phrase(event: dict[str, Any]) -> str:
    sub, plover, mode = (str(event.get(k) or "") for k in ("sub_event_type", "plover_type", "plover_mode"))
    for key in ((sub, plover, mode), (sub, plover, "*"), (sub, "*", "*")):
        if key in VERB_PHRASES:
            return VERB_PHRASES[key]
    return "{a}: " + (str(event.get("sub_event_type") or event.get("event_type") or "event")).lower()


def _plural(actor: str) -> bool:
    """Whether an actor name is plural ("Protesters (Kazakhstan)", "Police Forces of Kazakhstan") or one body or
    person ("Government of Kazakhstan", "Tokajev"), by the head word before its "of" or "(...)"."""
    head = re.split(r"\s+(?:of|\()\s*|\s*\(", actor, maxsplit=1)[0].split()
    word = head[-1].casefold() if head else ""
    if word in ("police", "people", "military"):
        return True
    return word.endswith("s") and not word.endswith(("ss", "us", "is"))


def _third_person(phrase: str) -> str:
    """"{a} ask" -> "{a} asks": the verb after a singular actor."""
    found = re.match(r"\{a\} (\w+)", phrase)
    if found is None:
        return phrase
    verb = found.group(1)
    if verb == "go":
        said = "goes"
    elif verb.endswith(("s", "sh", "ch", "x")):
        said = verb + "es"
    elif verb.endswith("y") and verb[-2:-1] not in "aeiou":
        said = verb[:-1] + "ies"
    else:
        said = verb + "s"
    return phrase[:found.start(1)] + said + phrase[found.end(1):]


def summary_line(event: dict[str, Any]) -> str:
    """One plain line: actor, what they do, to whom, where — then the sources ("Government of Kazakhstan asks the
    CSTO for help in Almaty — NOS, NRC"); a planned, negated, possible or earlier event says so first."""
    first = str(event.get("actor1") or "").strip() or "Unnamed actors"
    second = str(event.get("actor2") or "").strip()
    phrase = verb_phrase(event)
    if not second and "{b}" in phrase:
        if phrase.startswith("{b}") or "; {b}" in phrase:
            second = "the authorities"
        elif phrase in WITHOUT_TARGET:
            phrase = WITHOUT_TARGET[phrase]
        else:
            phrase = re.sub(r"\s+(?:on|against|with|of)?\s*\{b\}", "", phrase)
    if not _plural(first):
        phrase = _third_person(phrase)
    line = phrase.format(a=first, b=second)
    line = line[:1].upper() + line[1:]
    place, country = event.get("place"), event.get("country")
    if place:
        line += f" in {place}" + (f", {country}" if country and country != place else "")
    elif country:
        line += f" in {country}"
    said = [label for word, label in CONTEXT_WORDS if word in (event.get("contexts") or [])]
    if said:
        line = f"({', '.join(said)}) {line}"
    outlets = [str(o) for o in event.get("outlets") or []]
    return f"{line} — {', '.join(outlets)}" if outlets else line


def figures_line(event: dict[str, Any]) -> str:
    """The figures an event carries, coded values by kind ("killed 8, injured > 20")."""
    parts = []
    for row in event.get("figures") or []:
        text = figure_range(row)
        if text:
            parts.append(f"{row.get('kind')} {text}")
    return ", ".join(parts)


# --- order --------------------------------------------------------------------------------------------------


def first_reports(conn: Any, event_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Per event, its first report: the earliest article (publication, then arrival) and the sentence in it.
    Same-day timeline entries follow it: the order in which the news told them, not their ids."""
    m, a = schema.mentions, schema.articles
    found: dict[str, tuple[Any, ...]] = {}
    reports: dict[str, dict[str, Any]] = {}
    ids = list(event_ids)
    for start in range(0, len(ids), 500):
        query = (select(m.c.event_id, m.c.article_id, m.c.sentence, a.c.published_at, a.c.seq)
                 .select_from(m.join(a, a.c.id == m.c.article_id)).where(m.c.event_id.in_(ids[start:start + 500])))
        for row in conn.execute(query):
            key = (str(row.published_at or "9999"), int(row.seq or 0), int(row.sentence or 0))
            if row.event_id not in found or key < found[row.event_id]:
                found[row.event_id] = key
                reports[row.event_id] = {"article_id": row.article_id, "published_at": row.published_at,
                                         "sentence": int(row.sentence or 0)}
    return reports


def report_key(event: dict[str, Any]) -> tuple[str, int]:
    report = event.get("first_report") or {}
    return str(report.get("published_at") or "9999"), int(report.get("sentence") or 0)


# --- figures ------------------------------------------------------------------------------------------------


def _number(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _nines(value: int | None) -> bool:
    """9, 99, 999, 9999...: the top of a vague word's range ("duizenden" is 2000..9999), not a number said."""
    return value is not None and value >= 99 and set(str(value)) == {"9"}


def claim_range(claim: dict[str, Any]) -> str:
    """What one claim says, as a range: "8", "10–20", "> 2000" ("meer dan 2000"), "≥ 15" ("minstens vijftien",
    "duizenden"); never the 2001 or 9999 of the stored bounds."""
    value, low, high = _number(claim.get("value")), _number(claim.get("low")), _number(claim.get("high"))
    qualifier = claim.get("qualifier")
    if qualifier == "more_than" and value is not None:
        return f"> {value}"
    if qualifier == "at_least" and high is None:
        return f"≥ {low if low is not None else value}"
    if qualifier == "up_to":
        return f"≤ {high if high is not None else value}"
    if high is None or _nines(high):
        lowest = low if low is not None else value
        return f"≥ {lowest}" if lowest is not None else ""
    if low is not None and low != high:
        return f"{low}–{high}"
    return str(high if value is None else value)


def figure_range(row: dict[str, Any]) -> str:
    """A reconciled row's range: low–high, an open end as "> N" or "≥ N" (as its claims said it)."""
    low, high, best = _number(row.get("low")), _number(row.get("high")), _number(row.get("best"))
    coded = _number(row.get("coded"))
    if low is None and high is None:
        return "" if coded is None else str(coded)
    if row.get("high_open") or high is None or _nines(high):
        claims = row.get("claims") or []
        said = [_number(c.get("value")) for c in claims if c.get("qualifier") == "more_than"]
        if low is not None and (low in said or low - 1 in said):
            return f"> {low if low in said else low - 1}"
        return f"≥ {low if low is not None else best}"
    if low is not None and low != high:
        return f"{low}–{high}"
    return str(high)


def group_label(group_type: Any) -> str:
    """The group a figure counts ("people", "police"); empty for unknown (never "Group: unknown")."""
    text = str(group_type or "").strip()
    return "" if text.casefold() in UNKNOWN_GROUPS else text


def figures_summary(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per figure kind and group over a story's figure rows (each event's and the loose ones): the coded
    values summed over events (ACLED counts each event's own), the range, whether sources disagree anywhere,
    and every claim beneath, most recent report last."""
    grouped: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[(str(row.get("kind") or ""), group_label(row.get("group_type")))].append(row)
    order = {kind: i for i, kind in enumerate(FIGURE_KINDS)}
    summary = []
    for (kind, group), members in sorted(grouped.items(), key=lambda item: (order.get(item[0][0], 99),
                                                                              item[0][0], item[0][1])):
        coded = [_number(r.get("coded")) for r in members]
        lows = [_number(r.get("low")) for r in members]
        highs = [None if (r.get("high_open") or _nines(_number(r.get("high")))) else _number(r.get("high"))
                 for r in members]
        low = sum(v for v in lows if v is not None) if any(v is not None for v in lows) else None
        open_end = any(h is None for h in highs)
        high = None if open_end else sum(h for h in highs if h is not None)
        claims = [c for r in members for c in r.get("claims") or []]
        combined = {"low": low, "high": high, "best": low, "high_open": open_end, "claims": claims,
                    "coded": sum(v for v in coded if v is not None) if any(v is not None for v in coded) else None}
        summary.append({
            "kind": kind, "label": FIGURE_LABELS.get(kind, kind.capitalize()), "group": group,
            "coded": combined["coded"], "range": figure_range(combined) if len(members) > 1 else
            figure_range(members[0]), "disagreement": any(r.get("disagreement") for r in members),
            "explanations": [str(r["explanation"]) for r in members if r.get("explanation")],
            "events": len({r.get("event_id") for r in members if r.get("event_id")}),
            "claims": [dict(c, range=claim_range(c)) for c in
                       sorted(claims, key=lambda c: (str(c.get("published_at") or ""), str(c.get("outlet") or "")))],
        })
    return summary


# --- claims -------------------------------------------------------------------------------------------------


def get_claim(store: Any, claim_id: str) -> dict[str, Any] | None:
    """One figure claim as stored (kind, number, offsets in its article, attribution), or None."""
    from kroniek.store.links import loads

    if not claim_id or len(claim_id) > 64:
        return None
    c = schema.claims
    with store.engine.connect() as conn:
        row = conn.execute(select(c.c.id, c.c.data).where(c.c.id == claim_id)).first()
    if row is None:
        return None
    data = dict(loads(row.data))
    data["id"] = row.id
    data["range"] = claim_range(data)
    return data


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence around ``text[start:end]``: from after the last full stop, question or exclamation mark or line
    break before it to the next one after it (at most 600 characters either side)."""
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    lo = max(0, start - 600)
    for i in range(start - 1, lo - 1, -1):
        if text[i] == "\n" or (text[i] in ".!?" and i + 1 < len(text) and text[i + 1].isspace()):
            lo = i + 1
            break
    hi = min(len(text), end + 600)
    for i in range(end, hi):
        if text[i] == "\n" or (text[i] in ".!?" and (i + 1 == len(text) or text[i + 1].isspace())):
            hi = i + 1
            break
    while lo < start and text[lo].isspace():
        lo += 1
    return lo, hi

"""Which morphology serves the trigger lexicon: generated Dutch inflection, Frog's lemmas, Frog's MBMA compound
analysis, or hunspell-nl's stems. Prints coverage on our own probe sentences (every lexicon entry's example, and
a held-out probe of forms the examples do not use) and the matcher's speed.

    .venv/bin/python bench/trigger_morphology.py [--sentences 300]   # hunspell-nl optional

Coverage counts, at the trigger word, whether the source yields the entry's lemma (its base for a separable verb
written apart, its head for a compound).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from kroniek.analyse.frog import parse_tsv
from kroniek.analyse.tokenize import split_sentences
from kroniek.extract.triggers import match_text, trigger_lexicon

# Forms the lexicon's examples do not use (written for this bench): (sentence, entry lemma).
HELD_OUT = [
    ("Omdat de agenten de man gisteren neerschoten, is er een onderzoek.", "neer|schieten"),
    ("De soldaten schoten vier jongens neer bij de grens.", "neer|schieten"),
    ("Zij proberen de drone neer te schieten.", "neer|schieten"),
    ("De neergeschoten piloot werd gered.", "neer|schieten"),
    ("Jongeren tuigen in het park geregeld voorbijgangers af.", "af|tuigen"),
    ("De afgetuigde conducteur deed aangifte.", "af|tuigen"),
    ("Nadat ze hem hadden afgeranseld, vluchtten ze.", "af|ranselen"),
    ("De bende molesteerde twee agenten.", "molesteren"),
    ("Ze werden gisteren door de rijkswacht ingerekend.", "in|rekenen"),
    ("De politie rekende de verdachten in.", "in|rekenen"),
    ("De agenten klisten de dief aan de kassa.", "klissen"),
    ("De demonstranten betoogden tot laat in de avond.", "betogen"),
    ("Er werd in Luik opnieuw gemanifesteerd.", "manifesteren"),
    ("De rebellen heroverden gisteren de luchthaven.", "heroveren"),
    ("Zeventien mensen kwamen om bij de brand.", "om|komen"),
    ("Toen de bus omsloeg, kwamen drie kinderen om.", "om|komen"),
    ("Het aantal omgekomen burgers stijgt.", "om|komen"),
    ("De gegijzelde toeristen zijn vrij.", "gijzelen"),
    ("De ontvoerders lieten de ontvoerde journalist gaan.", "ontvoeren"),
    ("De rebellen rukken verder op.", "op|rukken"),
    ("Het leger is de stad binnengevallen.", "binnen|vallen"),
    ("Zij vielen het dorp 's nachts aan.", "aan|vallen"),
    ("Een man die een agent aanviel, is opgepakt.", "aan|vallen"),
    ("De regering trad gisteren voltallig af.", "af|treden"),
    ("Hij werd gisteren doodgeschoten in zijn auto.", "dood|schieten"),
    ("De jongen die zijn vader doodstak, is opgepakt.", "dood|steken"),
    ("Relschoppers plunderden de supermarkt.", "plunderen"),
    ("De betogers bestormden het parlement.", "bestormen"),
    ("Het personeel legt morgen het werk neer.", "neer|leggen"),
    ("Twee fietsers raakten zwaargewond.", "gewond"),
    ("Drie mensen werden zwaargekwetst.", "gekwetst"),
    ("Bij de straatrellen vielen gewonden.", "rel"),
    ("De bomaanslagen schokten het land.", "bomaanslag"),
    ("De gevangenen werden stelselmatig gemarteld.", "martelen"),
    ("Het regime executeert jaarlijks honderden mensen.", "executeren"),
    ("Twee agenten hielden de man aan bij het station.", "aan|houden"),
    ("De verdachte werd aangehouden in Brussel.", "aan|houden"),
    ("De opposant werd gisteren opgepakt.", "op|pakken"),
    ("Ze sloten de journalist drie jaar op.", "op|sluiten"),
]


def frog(sentences: list[str], skip: str) -> tuple[list, float]:
    folder = tempfile.mkdtemp(prefix="kroniek-morph-")
    path = Path(folder) / "s.txt"
    path.write_text("\n\n".join(sentences) + "\n", encoding="utf-8")
    started = time.perf_counter()
    out = subprocess.run(["frog", "-t", str(path), f"--skip={skip}", "-n"], capture_output=True, text=True,
                         cwd=folder, env={**os.environ, "OMP_WAIT_POLICY": "PASSIVE"}, check=True).stdout
    seconds = time.perf_counter() - started
    shutil.rmtree(folder, ignore_errors=True)
    return parse_tsv(out), seconds


def hunspell_stems(words: list[str]) -> dict[str, set[str]] | None:
    if shutil.which("hunspell") is None or not Path("/usr/share/hunspell/nl.dic").exists():
        return None
    out = subprocess.run(["hunspell", "-d", "nl", "-s"], input="\n".join(words) + "\n", capture_output=True,
                         text=True, check=True).stdout
    stems: dict[str, set[str]] = {}
    for line in out.splitlines():
        parts = line.split()
        if parts:
            stems.setdefault(parts[0].lower(), set()).add(parts[-1].lower())
    return stems


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sentences", type=int, default=300, help="dpg2019 articles for the speed figure")
    args = parser.parse_args()
    lexicon = trigger_lexicon()
    probe = []  # (sentence, entry kind, lemma, trigger word)
    for entry in lexicon.entries:
        if entry.kind not in ("verb", "noun"):
            continue
        hit = next(h for h in match_text(entry.example) if h.entry == entry)
        probe.append((entry.example, entry.kind, entry.lemma, hit.word))
    sentences = [p[0] for p in probe]
    with_mbma, seconds_mbma = frog(sentences, "pmc")
    _plain, seconds_plain = frog(sentences, "pmca")
    stems = hunspell_stems(sorted({p[3] for p in probe}))
    counts: dict[str, list[int]] = {}
    for (_sentence, kind, lemma, word), tokens in zip(probe, with_mbma, strict=False):
        whole, base = lemma.replace("|", ""), lemma.split("|")[-1]
        compound = kind == "noun" and word != whole and not word.startswith(whole)
        row = counts.setdefault("compound noun" if compound else kind, [0, 0, 0, 0])
        row[0] += 1
        token = next((t for t in tokens if t.word.lower() == word), None)
        lemma_frog = token.lemma.lower() if token else ""
        row[1] += lemma_frog in (whole, base) or (compound and lemma_frog.endswith(whole))
        parts = re.findall(r"\[([^\]]*)\]", token.morph) if token else []
        row[2] += compound and any("".join(parts[k:]).startswith(whole[:max(3, len(whole) - 2)])
                                   for k in range(1, len(parts)))
        found = stems.get(word, set()) if stems is not None else set()
        row[3] += bool(found & {whole, base}) or (compound and any(s.endswith(whole) for s in found))
    print(f"probe 1: every verb and noun entry's own example ({len(probe)} sentences); the generated forms match all "
          f"of them by construction (tests/test_triggers.py)")
    for kind, (total, by_frog, by_mbma, by_hunspell) in counts.items():
        print(f"  {kind:14} {total:3}  Frog lemma {by_frog:3}  MBMA head {by_mbma if 'compound' in kind else '-':>3}  "
              f"hunspell stem {by_hunspell if stems is not None else 'n/a':>3}")
    print(f"  Frog on the probe: {seconds_plain:.1f} s without MBMA, {seconds_mbma:.1f} s with it (start-up included)")
    held, _seconds = frog([s for s, _ in HELD_OUT], "pmca")
    generated = sum(any(h.entry.lemma == lemma for h in match_text(s)) for s, lemma in HELD_OUT)
    by_frog = 0
    for (_s, lemma), tokens in zip(HELD_OUT, held, strict=False):
        whole, base = lemma.replace("|", ""), lemma.split("|")[-1]
        lemmas = {t.lemma.lower() for t in tokens}
        by_frog += bool(lemmas & {whole, base}) or any(x.endswith(whole) for x in lemmas)
    print(f"probe 2: {len(HELD_OUT)} held-out forms: generated forms {generated}, Frog lemma {by_frog}")
    data = Path(__file__).resolve().parents[2] / "shared" / "data" / "dpg2019-nl" / "articles.jsonl"
    if data.exists():
        rows = [json.loads(line) for line in data.open(encoding="utf-8")][:args.sentences]
        texts = [r["text"][s:e] for r in rows for s, e in split_sentences(r["text"])]
        started = time.process_time()
        hits = sum(bool(match_text(t)) for t in texts)
        cpu = time.process_time() - started
        print(f"matcher on {len(texts)} dpg2019 sentences: {cpu / len(texts) * 1e6:.0f} us CPU per sentence, "
              f"{hits / len(texts):.1%} with a trigger")


if __name__ == "__main__":
    main()

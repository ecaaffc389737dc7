"""Speed of the pure-Python analysis pieces (numbers, dates, tokenizer) and of the whole analysis layer (Frog
included) in words/s on the shared dpg2019-nl corpus.

    .venv/bin/python bench/analysis_layer.py [--articles 300] [--deep triage|all|none]
"""

from __future__ import annotations

import argparse
import json
import time

from common import require_corpus

from kroniek.analyse.dates import find_dates
from kroniek.analyse.numbers import find_quantities
from kroniek.analyse.pipeline import Analyser, AnalysisOptions
from kroniek.analyse.tokenize import shallow_sentences
from kroniek.model import Article, PartialDate
from kroniek.pipeline import deep_selector


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--articles", type=int, default=300)
    parser.add_argument("--deep", choices=["triage", "all", "none"], default="triage")
    args = parser.parse_args()
    rows = [json.loads(line) for line in require_corpus().open(encoding="utf-8")][: args.articles]
    texts = [r["text"] for r in rows]
    words = sum(len(t.split()) for t in texts)

    started = time.perf_counter()
    sentences = [t[s.start:s.end] for t in texts for s in shallow_sentences(t)]
    tokenize_s = time.perf_counter() - started
    anchor = PartialDate.day(__import__("datetime").date(2019, 3, 1))
    started = time.perf_counter()
    for sentence in sentences:
        find_quantities(sentence)
    numbers_s = time.perf_counter() - started
    started = time.perf_counter()
    for sentence in sentences:
        find_dates(sentence, anchor)
    dates_s = time.perf_counter() - started
    print(f"{len(texts)} articles, {words} words, {len(sentences)} sentences")
    print(f"  tokenizer+sentences {words / tokenize_s:>10,.0f} words/s")
    print(f"  numbers             {len(sentences) / numbers_s:>10,.0f} sentences/s")
    print(f"  dates               {len(sentences) / dates_s:>10,.0f} sentences/s")

    articles = [Article(outlet="bench", title=r["title"], text=r["text"], url=f"https://x.example/{r['id']}",
                        published=PartialDate.parse(r["published_at"][:10])) for r in rows]
    options = AnalysisOptions(deep=args.deep)
    with Analyser(options, select=deep_selector()) as analyser:
        started = time.perf_counter()
        analyser.analyse_batch(articles[:1])  # Frog start-up, reported apart
        startup = time.perf_counter() - started
        started = time.perf_counter()
        deep = 0
        batches = (articles[index:index + 32] for index in range(1, len(articles), 32))
        for batch in analyser.analyse_stream(batches):  # the production path: Frog works ahead in a thread
            deep += sum(s.deep for d in batch.documents for s in d.sentences)
        seconds = time.perf_counter() - started
    rest_words = sum(len(a.text.split()) + len(a.title.split()) for a in articles[1:])
    print(f"  analysis layer (deep={args.deep}): {rest_words / seconds:,.0f} words/s, "
          f"{(len(articles) - 1) / seconds:.1f} articles/s, {deep} sentences through Frog; start-up {startup:.1f} s")


if __name__ == "__main__":
    main()

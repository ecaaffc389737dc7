"""Build the input of ``kroniek eval stories`` from the Dutch DEV story labels and the shared DPG corpus.

The labels (``data/gold/dpg2019-dev.stories.jsonl``: ``{"id", "story"}`` per article) hold no article text: the
corpus is research-use only and stays outside the repository. This script joins the labels with the corpus at run
time and writes JSONL in kroniek's ingest schema (``id, outlet, url, title, text, published_at``) plus ``story``
(and ``genre``, the gold genre, where the label file has one).

    .venv/bin/python bench/gold/make_story_eval.py --out /tmp/dpg-dev.jsonl
    .venv/bin/kroniek eval stories /tmp/dpg-dev.jsonl

Two stretches are labelled, each one side of the dev split (``kroniek eval stories --split tune|check``): articles
published up to and including 2019-03-21 (``dpg2019-dev.stories.jsonl``) are **check**, those from 2019-03-22 to
2019-04-07 (``dpg2019-dev2.stories.jsonl``) are **tune**; every row carries its ``split``. Only labelled articles
are written; later articles in the corpus are a held-out set and are skipped. outlet is the first publisher code
("dpg" when there is none); url is a
synthetic ``https://dpg.example/<id>``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CORPUS = ROOT.parent / "shared" / "data" / "dpg2019-nl" / "articles.jsonl"
GOLD = ROOT / "data" / "gold"
# label file -> the side of the dev split it is (one date stretch each)
STRETCHES = {"dpg2019-dev.stories.jsonl": "check", "dpg2019-dev2.stories.jsonl": "tune"}


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            row = json.loads(line)
            if not isinstance(row, dict):
                raise SystemExit(f"{path}:{number}: not a JSON object")
            rows.append(row)
    return rows


def read_labels(path: Path) -> dict[str, tuple[str, str]]:
    """Story label and gold genre ("" when the file has none) per article id."""
    labels: dict[str, tuple[str, str]] = {}
    for row in read_jsonl(path):
        article_id, story = str(row.get("id") or ""), str(row.get("story") or "")
        if not article_id or not story:
            raise SystemExit(f"{path}: a label without id or story: {row}")
        if article_id in labels:
            raise SystemExit(f"{path}: article {article_id} is labelled twice")
        labels[article_id] = (story, str(row.get("genre") or ""))
    return labels


def to_eval_row(article: dict[str, Any], story: str, split: str, genre: str = "") -> dict[str, str]:
    article_id = str(article["id"])
    publishers = article.get("publishers") or []
    row = {
        "id": article_id,
        "outlet": str(publishers[0]) if publishers else "dpg",
        "url": f"https://dpg.example/{article_id}",
        "title": str(article.get("title") or ""),
        "text": str(article.get("text") or ""),
        "published_at": str(article.get("published_at") or ""),
        "story": story,
        "split": split,
    }
    if genre:  # the gold genre, where the label file has one (per-genre error counts)
        row["genre"] = genre
    return row


def build(corpus: Path, label_files: dict[Path, str]) -> list[dict[str, str]]:
    if not corpus.exists():
        raise SystemExit(f"{corpus} not found: the story evaluation needs the shared dpg2019-nl corpus "
                         "(pass --corpus PATH if it lives elsewhere)")
    labels: dict[str, tuple[str, str, str]] = {}
    for path, split in label_files.items():
        if not path.exists():
            raise SystemExit(f"{path} not found")
        for article_id, (story, genre) in read_labels(path).items():
            if article_id in labels:
                raise SystemExit(f"{path}: article {article_id} is also labelled in another stretch")
            labels[article_id] = (f"{split}:{story}", split, genre)  # a story never spans two stretches
    rows = [to_eval_row(article, *labels[str(article.get("id"))])
            for article in read_jsonl(corpus) if str(article.get("id")) in labels]
    missing = sorted(set(labels) - {row["id"] for row in rows})
    if missing:
        raise SystemExit(f"{len(missing)} labelled articles are not in {corpus}: {', '.join(missing[:5])}")
    rows.sort(key=lambda row: (row["published_at"], row["id"]))
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="JSONL file to write")
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help=f"default: {DEFAULT_CORPUS}")
    parser.add_argument("--labels", type=Path, action="append", metavar="FILE:SPLIT",
                        help="a label file and its side (tune or check); default: the stretches in data/gold")
    args = parser.parse_args(argv)
    if args.labels:
        files = {}
        for given in args.labels:
            path, _, split = str(given).rpartition(":")
            if split not in ("tune", "check"):
                raise SystemExit(f"--labels {given}: write FILE:tune or FILE:check")
            files[Path(path)] = split
    else:
        files = {GOLD / name: split for name, split in STRETCHES.items() if (GOLD / name).exists()}
    rows = build(args.corpus, files)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with args.out.open("w", encoding="utf-8") as out:
        for row in rows:
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    stories = {row["story"] for row in rows}
    sides = {split: sum(1 for row in rows if row["split"] == split) for split in ("tune", "check")}
    print(f"wrote {len(rows)} articles in {len(stories)} gold stories to {args.out} "
          f"(tune {sides['tune']}, check {sides['check']})", file=sys.stderr)


if __name__ == "__main__":
    main()

"""The analysis pipeline: a list of small named components over one ``Document`` (spaCy-style).

    metadata → language → segment → triage → deep (Frog) → entities

Every sentence gets the fast tokenizer; only sentences that later stages need go to Frog, in one request per batch
of articles, and Frog works on the next batch while Python finishes the current one, so the slow tagger is kept busy
on what matters. Which sentences those are is not this stage's knowledge: whoever builds the ``Analyser`` hands it
a ``DeepSelector`` (the pipeline gives it the extract stage's cues); without one the triage keeps the title only.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Protocol

from kroniek.analyse.document import MetadataFinder, document_text
from kroniek.analyse.language import detect_language
from kroniek.model import Article, Document, PartialDate, Sentence, Token

log = logging.getLogger("kroniek.analyse")

ANALYSER_VERSION = "kroniek-analyse-5"  # 5: over-long sentences split (the bounds are in the version too)
DUTCH = "nl"
DEEP_MODES = ("all", "triage", "none")


class DeepSelector(Protocol):
    """Says which sentences deserve deep analysis; ``version`` changes whenever its answers would."""

    @property
    def version(self) -> str: ...

    def __call__(self, sentence_text: str) -> bool: ...


@dataclass
class AnalysisOptions:
    deep: str = "triage"  # all | triage | none
    lead_sentences: int = 1
    frog_binary: str = "frog"
    frog_skip: str = "pmc"
    frog_port: int = 0
    frog_start_timeout_s: float = 90.0
    frog_request_timeout_s: float = 120.0
    frog_restarts: int = 3
    # Bounds on what reaches Frog, so that no single article can stall it (see ``segment`` and ``triage``).
    max_sentence_tokens: int = 250  # longer runs without a sentence end are split into pieces of this many tokens
    max_sentence_chars: int = 3000  # ... and of at most this many characters; 0 switches a bound off
    max_token_chars: int = 100  # a sentence holding a longer "word" is analysed shallowly only
    article_timeout_s: float = 60.0  # Frog time one article may take before it is set aside as failed

    @classmethod
    def from_settings(cls, section: dict[str, Any]) -> AnalysisOptions:
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in section.items() if k in known})


@dataclass
class Batch:
    """The articles analysed together, with per-document working state the components share."""

    articles: list[Article]
    documents: list[Document]
    deep_sentences: list[list[int]] = field(default_factory=list)  # per document: sentence indexes for Frog
    notes: dict[str, str] = field(default_factory=dict)
    failed: dict[str, str] = field(default_factory=dict)  # article id -> why its analysis was set aside

    def note(self, article_id: str, note: str) -> None:
        """Add a note for an article (an article may collect several)."""
        previous = self.notes.get(article_id)
        self.notes[article_id] = f"{previous}; {note}" if previous else note


Component = Callable[["Analyser", Batch], None]


class Analyser:
    """Runs the components over batches of articles. Owns the Frog service for its lifetime."""

    def __init__(self, options: AnalysisOptions | None = None, select: DeepSelector | None = None) -> None:
        self.options = options or AnalysisOptions()
        self.select = select
        if self.options.deep not in DEEP_MODES:
            raise ValueError(f"analyse.deep must be one of {DEEP_MODES}, not {self.options.deep!r}")
        self._frog: Any = None
        self._start_error: Exception | None = None  # why starting Frog ahead of need failed (``_start_frog``)
        self._starter: threading.Thread | None = None  # ``start_frog_early``'s thread while it runs
        self.components: list[tuple[str, Component]] = [
            ("metadata", set_metadata),
            ("language", set_language),
            ("segment", segment),
            ("triage", triage),
            ("deep", deep_analyse),
            ("entities", find_entities),
        ]

    # -- lifecycle -------------------------------------------------------------------------------------------

    @property
    def frog(self) -> Any:
        self._join_starter()
        if self._frog is None:
            if self._start_error is not None:  # it failed moments ago: say so rather than wait for it again
                error, self._start_error = self._start_error, None
                raise error
            from kroniek.analyse.frog import FrogService

            o = self.options
            self._frog = FrogService(binary=o.frog_binary, skip=o.frog_skip, port=o.frog_port,
                                     start_timeout=o.frog_start_timeout_s,
                                     request_timeout=o.frog_request_timeout_s, max_restarts=o.frog_restarts)
            self._frog.start()
        return self._frog

    def _start_frog(self) -> None:
        """Start Frog ahead of the first request (it loads its models for seconds), in the Frog thread while this
        one prepares the first batch. A failure is kept for the first request, which raises it as before."""
        try:
            _ = self.frog
        except Exception as error:  # whatever it is, the first request reports it
            if self._frog is not None:
                self._frog.stop()
                self._frog = None
            self._start_error = error

    def start_frog_early(self) -> None:
        """Start Frog now in a thread of its own, while the caller loads the rest (the analysis process of
        ``kroniek run`` calls this first thing): the first request then waits less, or not at all, for Frog's
        seconds of model loading. Nothing when Frog is not used or already started."""
        if self.options.deep == "none" or self._frog is not None or self._starter is not None:
            return
        self._starter = threading.Thread(target=self._start_frog, name="kroniek-frog-start", daemon=True)
        self._starter.start()

    def _join_starter(self) -> None:
        starter = self._starter
        if starter is not None and starter is not threading.current_thread():
            starter.join()
            self._starter = None

    def close(self) -> None:
        self._join_starter()
        if self._frog is not None:
            self._frog.stop()
            self._frog = None

    def __enter__(self) -> Analyser:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    @property
    def version(self) -> str:
        """Cache key part: changes whenever the analysis would come out different."""
        backend = "none"
        if self.options.deep != "none":
            from kroniek.analyse.frog import frog_version

            backend = frog_version(self.options.frog_binary, self.options.frog_skip)
        chosen = self.select.version if self.select is not None else "lead-only"
        o = self.options
        limits = f"{o.max_sentence_tokens}x{o.max_sentence_chars}x{o.max_token_chars}"
        return (f"{ANALYSER_VERSION}/{backend}/deep={o.deep}/lead={o.lead_sentences}/limits={limits}"
                f"/select={chosen}")

    # -- running ---------------------------------------------------------------------------------------------

    def analyse_batch(self, articles: Sequence[Article]) -> Batch:
        batch = self._new_batch(articles, self.version)
        for _name, component in self.components:
            component(self, batch)
        return batch

    def analyse_stream(self, batches: Iterable[Sequence[Article]], ahead: int = 1) -> Iterator[Batch]:
        """Analyse batches in order, keeping Frog busy: while Frog works on the next ``ahead`` batches in a
        background thread (it is a separate process, so this uses the second core), this thread runs the cheap
        components and the caller stores the results. Yields the same Batches as ``analyse_batch`` would."""
        split = next((i for i, (name, _c) in enumerate(self.components) if name == "deep"), len(self.components))
        before, deep, after = self.components[:split], self.components[split:split + 1], self.components[split + 1:]
        version = self.version
        queued: deque[tuple[Batch, Future[None]]] = deque()

        def run_deep(batch: Batch) -> None:
            for _name, component in deep:
                component(self, batch)

        def finish(batch: Batch, future: Future[None]) -> Batch:
            future.result()
            for _name, component in after:
                component(self, batch)
            return batch

        warm = self.options.deep == "none" or self._frog is not None or self._starter is not None
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="kroniek-frog") as pool:
            for articles in batches:
                if articles and not warm:  # not before there is something to analyse (all may be cached)
                    pool.submit(self._start_frog)  # the requests queue behind it on the same thread
                    warm = True
                batch = self._new_batch(articles, version)
                for _name, component in before:
                    component(self, batch)
                queued.append((batch, pool.submit(run_deep, batch)))
                if len(queued) > ahead:
                    yield finish(*queued.popleft())
            while queued:
                yield finish(*queued.popleft())

    @staticmethod
    def _new_batch(articles: Sequence[Article], version: str) -> Batch:
        return Batch(list(articles), [Document(a.id, document_text(a), analyser=version) for a in articles])

    def analyse(self, article: Article) -> Document:
        return self.analyse_batch([article]).documents[0]


def analyse_text(text: str, published: PartialDate | None = None, title: str = "",
                 analyser: Analyser | None = None, outlet: str = "text") -> Document:
    """Analyse one text outside the store (tests, evaluation, notebooks)."""
    article = Article(outlet=outlet, text=text, title=title, published=published)
    if analyser is not None:
        return analyser.analyse(article)
    with Analyser() as own:
        return own.analyse(article)


# --- components -----------------------------------------------------------------------------------------------


def set_metadata(_analyser: Analyser, batch: Batch) -> None:
    finder = MetadataFinder.for_language(DUTCH)
    for article, doc in zip(batch.articles, batch.documents, strict=True):
        title_end = len(article.title) if article.title else 0
        doc.metadata = finder.find(doc.text, title_end)


def set_language(_analyser: Analyser, batch: Batch) -> None:
    for article, doc in zip(batch.articles, batch.documents, strict=True):
        doc.language = article.language or detect_language(article.text or article.title)
        if doc.language != DUTCH:
            batch.note(article.id, f"language {doc.language or 'unknown'}: Dutch-only stages skipped")


def segment(analyser: Analyser, batch: Batch) -> None:
    from kroniek.analyse.tokenize import shallow_sentences

    max_tokens, max_chars = analyser.options.max_sentence_tokens, analyser.options.max_sentence_chars
    for doc in batch.documents:
        excluded = [(m.start, m.end) for m in doc.metadata if m.kind != "title"]
        sentences: list[Sentence] = []
        split = 0
        for sentence in shallow_sentences(doc.text):
            if any(start <= sentence.start and sentence.end <= end for start, end in excluded):
                continue  # page furniture, not reporting
            pieces = bounded(sentence, max_tokens, max_chars)
            split += len(pieces) > 1
            sentences.extend(pieces)
        doc.sentences = sentences
        if split:
            batch.note(doc.article_id, f"{split} over-long sentence(s) without a sentence end split into pieces of at "
                                   f"most {max_tokens or 'any'} tokens and {max_chars or 'any'} characters")


def bounded(sentence: Sentence, max_tokens: int, max_chars: int) -> list[Sentence]:
    """The sentence itself, or consecutive pieces of it with at most ``max_tokens`` tokens and ``max_chars``
    characters each (a single longer token is a piece of its own); 0 switches a bound off. Frog takes a run
    without a sentence end as one sentence, and on 100 KB of words it did not answer at all."""
    too_many = bool(max_tokens) and len(sentence.tokens) > max_tokens
    too_long = bool(max_chars) and sentence.end - sentence.start > max_chars
    if not (too_many or too_long) or not sentence.tokens:
        return [sentence]
    pieces: list[Sentence] = []
    current: list[Token] = []
    for token in sentence.tokens:
        if current and ((max_tokens and len(current) >= max_tokens)
                        or (max_chars and token.end - current[0].start > max_chars)):
            pieces.append(Sentence(current[0].start, current[-1].end, current, sentence.paragraph))
            current = []
        current.append(token)
    pieces.append(Sentence(current[0].start, current[-1].end, current, sentence.paragraph))
    return pieces


def triage(analyser: Analyser, batch: Batch) -> None:
    select = analyser.select
    mode = analyser.options.deep
    lead = analyser.options.lead_sentences
    batch.deep_sentences = []
    for doc in batch.documents:
        if mode == "none" or doc.language != DUTCH:
            batch.deep_sentences.append([])
            continue
        if mode == "all":
            chosen = list(range(len(doc.sentences)))
        else:
            chosen = [i for i, s in enumerate(doc.sentences)
                      if i < lead or (select is not None and select(doc.text[s.start:s.end]))]
        fit = [i for i in chosen if fits_frog(doc.sentences[i], analyser.options)]
        if len(fit) < len(chosen):
            batch.note(doc.article_id, f"{len(chosen) - len(fit)} sentence(s) with a token over "
                                   f"{analyser.options.max_token_chars} characters analysed shallowly only")
        batch.deep_sentences.append(fit)


def fits_frog(sentence: Sentence, options: AnalysisOptions) -> bool:
    """Whether a sentence is within the bounds Frog is given (a giant "word" is never sent)."""
    if options.max_token_chars and any(t.end - t.start > options.max_token_chars for t in sentence.tokens):
        return False
    if options.max_sentence_tokens and len(sentence.tokens) > options.max_sentence_tokens:
        return False
    return not options.max_sentence_chars or sentence.end - sentence.start <= options.max_sentence_chars


# Frog reads paragraphs; a blank line between our sentences keeps its sentence split inside ours.
_SEPARATOR = "\n\n"
_ENDS_SENTENCE = re.compile(r"[.!?…][\"'”’»)]*$")


def deep_analyse(analyser: Analyser, batch: Batch) -> None:
    """Frog on the chosen sentences: one request for the whole batch; if that fails or times out, one request
    per article with ``article_timeout_s`` each, and an article Frog cannot finish is set aside as failed
    (``batch.failed``) while the others of the batch are analysed."""
    from kroniek.analyse.frog import AnalyserFailed

    owned = [d for d, chosen in enumerate(batch.deep_sentences) if chosen]
    if not owned:
        return
    try:
        _deep_request(analyser, batch, owned, analyser.options.frog_request_timeout_s)
        return
    except AnalyserFailed as error:
        if len(owned) == 1:
            _set_aside(batch, owned[0], error)
            return
        log.warning("Frog failed on a batch of %d articles (%s); analysing them one by one", len(owned), error)
    for d in owned:
        try:
            _deep_request(analyser, batch, [d], analyser.options.article_timeout_s)
        except AnalyserFailed as error:
            _set_aside(batch, d, error)


def _set_aside(batch: Batch, d: int, error: Exception) -> None:
    article = batch.articles[d]
    log.warning("article %s set aside as failed: %s", article.id, error)
    batch.failed[article.id] = f"analysis failed: {error}"


def _deep_request(analyser: Analyser, batch: Batch, documents: Sequence[int], timeout: float) -> None:
    from kroniek.analyse.frog import align

    pieces: list[str] = []
    owners: list[tuple[int, int, int]] = []  # (document, sentence, offset of the piece in the joined text)
    cursor = 0
    bound = analyser.options.max_sentence_tokens // 2
    run = 0  # tokens since Frog last saw a sentence end
    for d in documents:
        doc = batch.documents[d]
        for s in batch.deep_sentences[d]:
            sentence = doc.sentences[s]
            piece = doc.text[sentence.start:sentence.end].replace("\n", " ")
            owners.append((d, s, cursor))
            # Frog joins paragraphs without a sentence end into one sentence (a blank line does not split them),
            # and its time grows faster than the length: a run past half the bound gets an end of its own. The
            # added full stop lies beyond the sentence, so its token is dropped below.
            run = 0 if _ENDS_SENTENCE.search(piece) else run + len(sentence.tokens)
            if bound and run > bound:
                piece += " ."
                run = 0
            pieces.append(piece)
            cursor += len(piece) + len(_SEPARATOR)
    if not pieces:
        return
    joined = _SEPARATOR.join(pieces)
    # A time-out is not retried on this text: the same text would very likely hang Frog again.
    frog_sentences = analyser.frog.analyse(joined, timeout=timeout, retry_timeouts=False)
    aligned = align(joined, frog_sentences)
    # Hand each Frog token back to the sentence whose piece contains it, shifted to document offsets.
    starts = [o[2] for o in owners]
    import bisect

    replaced: dict[tuple[int, int], list[Any]] = {}
    for frog_sentence in aligned:
        for token in frog_sentence.tokens:
            k = bisect.bisect_right(starts, token.start) - 1
            if k < 0:
                continue
            d, s, offset = owners[k]
            sentence = batch.documents[d].sentences[s]
            token.start += sentence.start - offset
            token.end += sentence.start - offset
            if token.end > sentence.end:
                continue
            replaced.setdefault((d, s), []).append(token)
    for (d, s), tokens in replaced.items():
        sentence = batch.documents[d].sentences[s]
        sentence.tokens = tokens
        sentence.deep = True


def find_entities(_analyser: Analyser, batch: Batch) -> None:
    from kroniek.analyse.entities import find_entities as entity_layer

    for doc in batch.documents:
        if doc.language == DUTCH:
            doc.entities = entity_layer(doc)

"""Frog as a supervised external process: started, health-checked, restarted when it dies or hangs, stopped.

Frog 0.20's server forks a child per connection that busy-loops for seconds after the client disconnects, so
kroniek keeps ONE persistent connection per server and sends many requests over it (text, then a line ``EOT``;
the reply is TSV ending with a line ``READY``). Frog is GPL and is only ever run as a separate program.

Frog runs its modules in OpenMP sections, and libgomp's idle worker spins between them: with the default wait
policy the connection's process kept two cores busy for the work of one (10.3 CPU seconds for 6.9 s of requests,
and 3-5 times slower when the machine is loaded), taking the second core from the Python stages. Frog is
started with ``OMP_WAIT_POLICY=PASSIVE`` (``FROG_ENVIRONMENT``; a value already set in the environment wins): the
same output at a third to half of the CPU, and the second thread still helps when a core is free.

Frog's morphological analyser (module ``a``, MBMA) is always skipped: kroniek reads the word, lemma, tag and NER
columns only, and none of them changes without it (checked on the triaged dpg2019 sentences), so it was 6% of
Frog's time for a column nobody reads.
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache

from kroniek.model import Sentence, Token

log = logging.getLogger("kroniek.frog")

INSTALL_HINT = "sudo apt-get install -y frog frogdata ucto uctodata   (or: make setup)"

# Environment for the Frog process (see the module docstring): no spinning OpenMP worker next to the work.
FROG_ENVIRONMENT = {"OMP_WAIT_POLICY": "PASSIVE"}
# Frog modules whose output kroniek never reads: always skipped (a: morphological analysis).
UNUSED_MODULES = "a"


def effective_skip(skip: str) -> str:
    """The ``--skip`` value Frog is started with: the configured modules plus the unused ones."""
    return skip + "".join(module for module in UNUSED_MODULES if module not in skip)


def frog_environment() -> dict[str, str]:
    return {**FROG_ENVIRONMENT, **os.environ}


class AnalyserUnavailable(RuntimeError):
    """Frog is not installed or cannot start."""


class AnalyserFailed(RuntimeError):
    """Frog kept failing on a request even after restarts."""


@dataclass
class FrogToken:
    word: str
    lemma: str
    morph: str
    pos: str
    posprob: float
    ner: str
    chunk: str
    head: str
    deprel: str


@cache
def frog_version(binary: str = "frog", skip: str = "") -> str:
    path = shutil.which(binary)
    if path is None:
        return f"frog-missing/skip={skip}"
    try:
        out = subprocess.run([path, "--version"], capture_output=True, text=True, timeout=60)
        match = re.search(r"frog (\d+(?:\.\d+)*)", out.stdout + out.stderr)
        version = match.group(1) if match else "unknown"
    except (OSError, subprocess.TimeoutExpired):
        version = "unknown"
    return f"frog-{version}/skip={skip}"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def sanitise(text: str) -> str:
    """Text Frog can take: no control characters, and no line that would end the request early."""
    text = re.sub(r"[\x00-\x08\x0b-\x1f\x7f]", " ", text)
    return re.sub(r"(?m)^(\s*)(EOT|READY)(\s*)$", r"\1\2.\3", text)


def parse_tsv(reply: str) -> list[list[FrogToken]]:
    sentences: list[list[FrogToken]] = []
    current: list[FrogToken] = []
    for line in reply.splitlines():
        if not line.strip():
            if current:
                sentences.append(current)
                current = []
            continue
        cols = line.split("\t")
        if len(cols) < 7:
            continue
        cols += [""] * (10 - len(cols))
        words, tags = cols[1].split("_"), cols[6].split("_")
        if len(tags) != len(words):  # an MWU with one tag: continue the entity over its parts
            first = tags[0]
            tags = [first] + [("I-" + first[2:]) if first != "O" else "O"] * (len(words) - 1)
        try:
            posprob = float(cols[5])
        except ValueError:
            posprob = 0.0
        for word, tag in zip(words, tags, strict=True):
            current.append(FrogToken(word, cols[2] if len(words) == 1 else word, cols[3], cols[4], posprob, tag,
                                     cols[7], cols[8], cols[9]))
    if current:
        sentences.append(current)
    return sentences


_QUOTES = str.maketrans({"“": '"', "”": '"', "„": '"', "‘": "'", "’": "'", "‚": "'", "`": "'", "´": "'"})


def align(text: str, sentences: list[list[FrogToken]]) -> list[Sentence]:
    """Frog tokens onto character offsets of ``text``; tokens Frog rewrote are matched loosely or skipped."""
    folded = text.translate(_QUOTES)
    cursor = 0
    out: list[Sentence] = []
    for frog_sentence in sentences:
        tokens: list[Token] = []
        for token in frog_sentence:
            word = token.word.translate(_QUOTES)
            found = folded.find(word, cursor, cursor + 200 + len(word))
            if found < 0:
                continue
            tokens.append(Token(text[found:found + len(word)], found, found + len(word), token.lemma, token.pos,
                                token.ner or "O"))
            cursor = found + len(word)
        if tokens:
            out.append(Sentence(tokens[0].start, tokens[-1].end, tokens, deep=True))
    return out


class FrogService:
    """One ``frog -S`` server and one persistent connection to it."""

    def __init__(self, binary: str = "frog", skip: str = "pmc", port: int = 0, start_timeout: float = 90.0,
                 request_timeout: float = 120.0, max_restarts: int = 3) -> None:
        self.binary, self.skip, self.port = binary, skip, port
        self.start_timeout, self.request_timeout, self.max_restarts = start_timeout, request_timeout, max_restarts
        self.process: subprocess.Popen[bytes] | None = None
        self.connection: socket.socket | None = None
        self.restarts = 0
        self.log_path = os.path.join(tempfile.gettempdir(), f"kroniek-frog-{os.getpid()}.log")
        # Frog leaves a frog.<pid>.debug file in its working directory: give it a private one, removed on stop.
        self.workdir: str | None = None
        atexit.register(self.stop)

    def __enter__(self) -> FrogService:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    def start(self) -> None:
        path = shutil.which(self.binary)
        if path is None:
            raise AnalyserUnavailable(f"Frog ({self.binary}) is not installed. Install it with: {INSTALL_HINT}")
        port = self.port or _free_port()
        command = [path, "-S", str(port), f"--skip={effective_skip(self.skip)}"]
        if self.workdir is None or not os.path.isdir(self.workdir):
            self.workdir = tempfile.mkdtemp(prefix="kroniek-frog-")
        with open(self.log_path, "ab") as log_file:
            self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log_file, stderr=log_file,
                                            start_new_session=True, cwd=self.workdir, env=frog_environment())
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AnalyserUnavailable(f"Frog exited at start-up (code {self.process.returncode}); "
                                          f"see {self.log_path}. Is frogdata installed? {INSTALL_HINT}")
            try:
                self.connection = socket.create_connection(("127.0.0.1", port), timeout=2)
                self.connection.settimeout(self.request_timeout)
                self.port_in_use = port
                return
            except OSError:
                time.sleep(0.3)
        self._kill()
        raise AnalyserUnavailable(f"Frog did not start within {self.start_timeout:.0f} s; see {self.log_path}")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None and self.connection is not None

    def health_check(self) -> bool:
        try:
            return bool(self._request("Test ."))
        except (OSError, AnalyserFailed):
            return False

    def _request(self, text: str) -> str:
        assert self.connection is not None
        self.connection.sendall((sanitise(text).rstrip("\n") + "\nEOT\n").encode("utf-8"))
        buffer = bytearray()
        while True:
            chunk = self.connection.recv(65536)
            if not chunk:
                raise ConnectionError("Frog closed the connection")
            buffer += chunk
            # Only the tail is looked at: copying the whole reply on every chunk made long replies quadratic.
            stripped = bytes(buffer[-64:]).rstrip()
            if stripped.endswith(b"\nREADY") or ((not stripped or stripped.endswith(b"READY"))
                                                   and bytes(buffer).strip() == b"READY"):
                break
        reply = bytes(buffer).decode("utf-8", errors="replace")
        return reply.rsplit("READY", 1)[0]

    def analyse(self, text: str) -> list[list[FrogToken]]:
        if not text.strip():
            return []
        for attempt in range(self.max_restarts + 1):
            if not self.alive():
                self._restart("was not running")
            try:
                return parse_tsv(self._request(text))
            except TimeoutError:
                self._restart(f"did not answer within {self.request_timeout:.0f} s (hung)")
            except OSError as error:
                self._restart(f"connection failed ({error})")
            if attempt == self.max_restarts:
                break
        raise AnalyserFailed(f"Frog failed {self.max_restarts + 1} times on one request; see {self.log_path}")

    def analyse_many(self, texts: Iterable[str]) -> Iterator[list[list[FrogToken]]]:
        for text in texts:
            yield self.analyse(text)

    def _restart(self, reason: str) -> None:
        self.restarts += 1
        if self.restarts > self.max_restarts * 10:
            raise AnalyserFailed(f"Frog restarted too often (last: {reason})")
        log.warning("Frog %s; restarting it (restart %d)", reason, self.restarts)
        self._kill()
        self.start()

    def _kill(self) -> None:
        if self.connection is not None:
            try:
                self.connection.close()
            except OSError:
                pass
            self.connection = None
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=5)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.process.wait(timeout=5)
        if self.process is not None:
            try:  # the per-connection children linger in the same process group
                os.killpg(self.process.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.process = None

    def stop(self) -> None:
        self._kill()
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None

"""Frog as a supervised external process: started, health-checked, restarted when it dies or hangs, stopped.

Frog 0.20's server forks a child per connection that busy-loops for seconds after the client disconnects, so
kroniek keeps ONE persistent connection per server and sends many requests over it (text, then a line ``EOT``;
the reply is TSV ending with a line ``READY``). Frog is GPL and is only ever run as a separate program.

Frog runs its modules in OpenMP sections, and libgomp's idle worker spins between them: with the default wait
policy the connection's process kept two cores busy for the work of one (10.3 CPU seconds for 6.9 s of requests,
and 3-5 times slower when the machine is loaded), taking the second core from the Python stages. Frog is
started with ``OMP_WAIT_POLICY=PASSIVE`` (``FROG_ENVIRONMENT``; a value already set in the environment wins): the
same output at a third to half of the CPU. It is also held to one OpenMP thread (``OMP_NUM_THREADS=1``): its
modules' parallel sections on a second thread cost 5-7% more CPU for the same output (measured on 200 dpg2019
articles' triaged sentences: 5.2 against 4.9 CPU seconds, identical TSV), and side by side (``kroniek run``) the
second core is busy with the other stages anyway.

Frog's morphological analyser (module ``a``, MBMA) is always skipped: kroniek reads the word, lemma, tag and NER
columns only, and none of them changes without it (checked on the triaged dpg2019 sentences), so it was 6% of
Frog's time for a column nobody reads.
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache

from kroniek.model import Sentence, Token

log = logging.getLogger("kroniek.frog")

INSTALL_HINT = "sudo apt-get install -y frog frogdata ucto uctodata   (or: make setup)"

# Environment for the Frog process (see the module docstring): no spinning OpenMP worker next to the work.
FROG_ENVIRONMENT = {"OMP_WAIT_POLICY": "PASSIVE", "OMP_NUM_THREADS": "1"}
WORKDIR_PREFIX = "kroniek-frog-"  # Frog's private working directory (it leaves a debug file there)
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


class FrogTimeout(AnalyserFailed):
    """Frog did not finish one request within its time-out (it was stopped; the next request starts a new one)."""


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

    _warned_network = False

    def __init__(self, binary: str = "frog", skip: str = "pmc", port: int = 0, start_timeout: float = 90.0,
                 request_timeout: float = 120.0, max_restarts: int = 3, private_network: bool = True) -> None:
        self.binary, self.skip, self.port, self.private_network = binary, skip, port, private_network
        self.start_timeout, self.request_timeout, self.max_restarts = start_timeout, request_timeout, max_restarts
        self.process: subprocess.Popen[bytes] | None = None
        self.connection: socket.socket | None = None
        self.restarts = 0
        self.log_path = os.path.join(tempfile.gettempdir(), f"kroniek-frog-{os.getpid()}.log")
        # Frog leaves a frog.<pid>.debug file in its working directory: give it a private one, removed on stop.
        self.workdir: str | None = None
        self.control: socket.socket | None = None  # to the launcher: closing it (or dying) ends Frog
        self.network = ""  # "private" when Frog runs in a network namespace of its own
        self._failures_in_row = 0
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
        # A fresh one per start: the launcher of the Frog before removes its own when it ends.
        self.workdir = tempfile.mkdtemp(prefix=WORKDIR_PREFIX)
        # Frog is started by a small launcher (``launch`` below) in its own process group: it gives Frog a private
        # network, hands the connection back over this socket pair, and ends Frog when this process goes.
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            with open(self.log_path, "ab") as log_file:
                self.process = subprocess.Popen(
                    [sys.executable, "-m", "kroniek.analyse.frog", str(theirs.fileno()), str(port),
                     "1" if self.private_network else "0", *command],
                    stdin=subprocess.DEVNULL, stdout=log_file, stderr=log_file, pass_fds=(theirs.fileno(),),
                    start_new_session=True, cwd=self.workdir, env=frog_environment())
        finally:
            theirs.close()
        self.control = ours
        ours.settimeout(self.start_timeout)
        try:
            message, fds, _flags, _addr = socket.recv_fds(ours, 64, 1)
        except (TimeoutError, OSError):
            message, fds = b"", []
        if not fds:
            launcher_code = self.process.poll()
            self._kill()
            reason = message.decode("ascii", "replace") or (
                f"did not start within {self.start_timeout:.0f} s" if launcher_code is None
                else f"launcher exited at start-up (code {launcher_code})")
            raise AnalyserUnavailable(f"Frog {reason}; see {self.log_path}. Is frogdata installed? {INSTALL_HINT}")
        self.connection = socket.socket(fileno=fds[0])
        self.connection.settimeout(self.request_timeout)
        self.port_in_use = port
        self.network = message.decode("ascii", "replace")
        if self.network != "private" and not FrogService._warned_network:
            FrogService._warned_network = True
            log.warning("Frog listens on every interface of this machine (port %d): a private network namespace "
                        "could not be made (%s)", port, self.network)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None and self.connection is not None

    def health_check(self) -> bool:
        try:
            return bool(self._request("Test ."))
        except (OSError, AnalyserFailed):
            return False

    def _request(self, text: str, timeout: float | None = None) -> str:
        """One request; ``timeout`` bounds the whole exchange (not each read), ``TimeoutError`` past it."""
        assert self.connection is not None
        deadline = time.monotonic() + (timeout if timeout is not None else self.request_timeout)

        def remaining() -> float:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("request deadline passed")
            return left

        self.connection.settimeout(remaining())
        self.connection.sendall((sanitise(text).rstrip("\n") + "\nEOT\n").encode("utf-8"))
        buffer = bytearray()
        while True:
            self.connection.settimeout(remaining())
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

    def analyse(self, text: str, timeout: float | None = None,
                retry_timeouts: bool = True) -> list[list[FrogToken]]:
        """Frog's sentences for ``text``. A dead or broken Frog is restarted and the request retried; a request
        that takes longer than ``timeout`` (default ``request_timeout``) stops Frog and is retried on a new one,
        or, with ``retry_timeouts=False``, raises ``FrogTimeout`` (the caller sets that text aside)."""
        if not text.strip():
            return []
        limit = timeout if timeout is not None else self.request_timeout
        for attempt in range(self.max_restarts + 1):
            if not self.alive():
                self._restart("was not running")
            try:
                reply = parse_tsv(self._request(text, limit))
                self._failures_in_row = 0
                return reply
            except TimeoutError:
                if not retry_timeouts:
                    log.warning("Frog did not answer within %.0f s; stopping it (a new one takes the next "
                                "request)", limit)
                    self._kill()
                    self._failures_in_row += 1
                    raise FrogTimeout(f"Frog did not finish within {limit:.0f} s") from None
                self._restart(f"did not answer within {limit:.0f} s (hung)")
            except OSError as error:
                self._restart(f"connection failed ({error})")
            if attempt == self.max_restarts:
                break
        raise AnalyserFailed(f"Frog failed {self.max_restarts + 1} times on one request; see {self.log_path}")

    def analyse_many(self, texts: Iterable[str]) -> Iterator[list[list[FrogToken]]]:
        for text in texts:
            yield self.analyse(text)

    def _restart(self, reason: str) -> None:
        self._failures_in_row += 1
        # Counted since the last answered request: one bad article must not use up the budget of a long run.
        if self._failures_in_row > self.max_restarts * 10:
            raise AnalyserFailed(f"Frog restarted too often (last: {reason})")
        if reason != "was not running" or self.process is not None:
            self.restarts += 1
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
        if self.control is not None:
            self.control.close()  # the launcher ends Frog when it sees this
            self.control = None
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                # Frog catches SIGTERM and waits for its connections to end; it has nothing to save, so a short
                # grace and then SIGKILL (waiting 5 s here cost every run 5 s at its end)
                self.process.wait(timeout=0.5)
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
        if self.workdir is not None:  # each start has its own (see ``start``)
            shutil.rmtree(self.workdir, ignore_errors=True)

    def stop(self) -> None:
        self._kill()
        if self.workdir is not None:
            shutil.rmtree(self.workdir, ignore_errors=True)
            self.workdir = None


# --- the launcher: ``python -m kroniek.analyse.frog CONTROL_FD PORT PRIVATE FROG_COMMAND...`` ---------------------
#
# Frog 0.20's server binds to every interface and takes no address (``-S 127.0.0.1:PORT`` fails to start), so the
# launcher puts it in a network namespace of its own (an unprivileged user + network namespace, like ``unshare
# -rn``) where the only interface is loopback: nothing outside this machine, nor any other process on it, can
# reach it. The launcher connects to Frog inside that namespace and passes the connected socket to kroniek over a
# Unix socket pair (SCM_RIGHTS); a socket keeps working in whichever process holds it. Then it stays as Frog's
# watchdog: when kroniek closes its end or dies (even by SIGKILL, the kernel closes it), the launcher kills Frog's
# process group; Frog itself gets SIGKILL should the launcher die first (PR_SET_PDEATHSIG).

_CLONE_NEWUSER, _CLONE_NEWNET = 0x10000000, 0x40000000
_PR_SET_PDEATHSIG = 1


def _private_network() -> str:
    """Move this (single-threaded) process into a new user and network namespace with loopback up; "private",
    or why not."""
    import ctypes
    import fcntl
    import struct

    uid, gid = os.getuid(), os.getgid()
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) != 0:
        return f"unshare refused: {os.strerror(ctypes.get_errno())}"
    try:  # keep our own uid and gid inside, so that Frog's files are ours as before
        with open("/proc/self/setgroups", "w") as handle:
            handle.write("deny")
        with open("/proc/self/uid_map", "w") as handle:
            handle.write(f"{uid} {uid} 1")
        with open("/proc/self/gid_map", "w") as handle:
            handle.write(f"{gid} {gid} 1")
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:  # loopback is down in a new namespace
            siocgifflags, siocsifflags, iff_up = 0x8913, 0x8914, 0x1
            request = fcntl.ioctl(probe, siocgifflags, struct.pack("16sh22x", b"lo", 0))
            flags = struct.unpack("16sh", request[:18])[1]
            fcntl.ioctl(probe, siocsifflags, struct.pack("16sh22x", b"lo", flags | iff_up))
    except OSError as error:
        return f"namespace set-up failed: {error}"
    return "private"


def _frog_dies_with_launcher() -> None:
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def launch(argv: list[str]) -> int:
    control = socket.socket(fileno=int(argv[0]))
    port, private, command = int(argv[1]), argv[2] == "1", argv[3:]
    network = _private_network() if private else "private network not asked for"
    frog = subprocess.Popen(command, stdin=subprocess.DEVNULL, preexec_fn=_frog_dies_with_launcher)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # (after Frog started: Frog keeps the default) see ``end``

    def end(code: int) -> int:
        os.killpg(os.getpgid(0), signal.SIGTERM)  # Frog and its per-connection children, not this process
        try:
            frog.wait(timeout=5)
        except subprocess.TimeoutExpired:
            frog.kill()
        workdir = os.getcwd()
        if os.path.basename(workdir).startswith(WORKDIR_PREFIX):  # Frog's debug file goes with it
            shutil.rmtree(workdir, ignore_errors=True)
        os.killpg(os.getpgid(0), signal.SIGKILL)  # whatever is left of the group, and this process
        return code

    connection = None
    while connection is None:
        if frog.poll() is not None:
            control.sendall(f"exited at start-up (code {frog.returncode})".encode())
            return 1
        if select.select([control], [], [], 0)[0]:
            return end(0)  # kroniek went away while Frog was starting
        try:
            connection = socket.create_connection(("127.0.0.1", port), timeout=2)
        except OSError:
            time.sleep(0.3)
    try:
        socket.send_fds(control, [network.encode("ascii", "replace")[:64]], [connection.fileno()])
    except OSError:
        return end(0)
    connection.close()
    control.settimeout(1.0)
    while frog.poll() is None:
        try:
            if not control.recv(1):
                return end(0)  # kroniek closed its end or died
        except TimeoutError:
            continue
        except OSError:
            return end(0)
    return end(1)


if __name__ == "__main__":
    raise SystemExit(launch(sys.argv[1:]))

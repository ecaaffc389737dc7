"""Frog as a supervised service: round trip, offsets, restart after a kill, a hung server replaced, clean stop;
reachable on loopback only, and never outliving a SIGKILLed run."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kroniek.analyse.frog import AnalyserUnavailable, FrogService, align, parse_tsv, sanitise

pytestmark = [pytest.mark.frog, pytest.mark.skipif(shutil.which("frog") is None, reason="Frog: make setup")]

TEXT = "Minister Jansen bezocht dinsdag Zwolle.\n\nDe burgemeester sprak met zo’n honderd bewoners."


@pytest.fixture(scope="module")
def frog() -> Iterator[FrogService]:
    with FrogService(skip="pmc", request_timeout=60) as service:
        yield service


def test_round_trip_and_offsets(frog: FrogService) -> None:
    sentences = align(TEXT, frog.analyse(TEXT))
    assert len(sentences) == 2
    for sentence in sentences:
        for token in sentence.tokens:
            assert TEXT[token.start:token.end] == token.text
    tags = {t.text: t.ner for s in sentences for t in s.tokens}
    assert tags["Zwolle"].endswith("LOC")
    lemmas = {t.text: t.lemma for s in sentences for t in s.tokens}
    assert lemmas["bezocht"] == "bezoeken"


def test_restart_after_kill(frog: FrogService) -> None:
    assert frog.process is not None
    os.killpg(frog.process.pid, signal.SIGKILL)
    frog.process.wait()
    sentences = frog.analyse("De trein naar Utrecht reed weer.")
    assert sentences and frog.restarts >= 1


def test_hung_server_is_replaced() -> None:
    with FrogService(skip="pmc", request_timeout=3) as service:
        assert service.analyse("Een eerste zin.")
        assert service.process is not None
        hung = service.process.pid
        os.killpg(hung, signal.SIGSTOP)
        try:
            assert service.analyse("Een tweede zin na het vastlopen.")
        finally:
            try:
                os.killpg(hung, signal.SIGKILL)
            except ProcessLookupError:
                pass
        assert service.process is not None and service.process.pid != hung


def test_stop_leaves_no_server() -> None:
    service = FrogService(skip="pmc")
    service.start()
    assert service.process is not None and service.workdir is not None
    frog_pid, workdir = service.process.pid, service.workdir
    assert os.path.dirname(workdir) == tempfile.gettempdir()
    port_arg = f"-S {service.port_in_use}"
    service.stop()
    assert not os.path.exists(workdir), "Frog's debug file goes with its private working directory"
    assert not os.path.exists(os.path.join(tempfile.gettempdir(), f"frog.{frog_pid}.debug"))
    running = subprocess.run(["pgrep", "-f", port_arg], capture_output=True, text=True).stdout.split()
    for pid in running:  # the per-connection child may take a moment to be reaped
        try:
            os.waitpid(int(pid), os.WNOHANG)
        except ChildProcessError:
            pass
    assert [p for p in running if _running(p)] == []


def _running(pid: str) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            return handle.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_missing_binary_says_how_to_install() -> None:
    with pytest.raises(AnalyserUnavailable, match="apt-get install -y frog frogdata ucto uctodata"):
        FrogService(binary="frog-does-not-exist").start()


def test_sanitise_protects_the_protocol() -> None:
    assert "\nEOT\n" not in sanitise("zin\nEOT\nnog een zin")
    assert "\x00" not in sanitise("a\x00b")


def test_parse_multiword_units() -> None:
    sentences = parse_tsv("1\tKassym-Jomart_Tokajev\tKassym-Jomart_Tokajev\t\tSPEC(deeleigen)\t1.0\tB-PER_I-PER\t\n")
    assert [(t.word, t.ner) for t in sentences[0]] == [("Kassym-Jomart", "B-PER"), ("Tokajev", "I-PER")]


def test_unused_modules_are_skipped_and_openmp_does_not_spin(monkeypatch: pytest.MonkeyPatch) -> None:
    from kroniek.analyse.frog import effective_skip, frog_environment

    assert effective_skip("pmc") == "pmca"
    assert effective_skip("pmca") == "pmca"
    assert effective_skip("") == "a"
    monkeypatch.delenv("OMP_WAIT_POLICY", raising=False)
    assert frog_environment()["OMP_WAIT_POLICY"] == "PASSIVE"
    monkeypatch.setenv("OMP_WAIT_POLICY", "ACTIVE")  # what the caller sets wins
    assert frog_environment()["OMP_WAIT_POLICY"] == "ACTIVE"
    monkeypatch.delenv("OMP_NUM_THREADS", raising=False)
    assert frog_environment()["OMP_NUM_THREADS"] == "1"  # one OpenMP thread: the same output for less CPU
    monkeypatch.setenv("OMP_NUM_THREADS", "2")
    assert frog_environment()["OMP_NUM_THREADS"] == "2"


def _userns_allowed() -> bool:
    try:
        return subprocess.run(["unshare", "-rn", "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


@pytest.mark.skipif(not _userns_allowed(), reason="this kernel refuses unprivileged user namespaces")
def test_frog_is_reachable_on_loopback_only() -> None:
    """Frog's server binds every interface and takes no address, so it runs in a network namespace of its own
    whose only interface is loopback: nothing listens on its port here, and its namespace has no other device."""
    with FrogService(skip="pmc") as service:
        assert service.network == "private"
        assert service.analyse("De trein reed naar Utrecht.")  # the handed-over connection works
        assert service.process is not None
        group = _group(service.process.pid)
        frogs = [pid for pid in group if _cmdline(pid).startswith(shutil.which("frog") or "frog")]
        assert frogs
        ours = os.readlink("/proc/self/ns/net")
        for pid in frogs:
            assert os.readlink(f"/proc/{pid}/ns/net") != ours
            with open(f"/proc/{pid}/net/dev") as handle:
                devices = {line.split(":")[0].strip() for line in handle.read().splitlines()[2:]}
            assert devices == {"lo"}
        port = f"{service.port_in_use:04X}"
        for table in ("/proc/self/net/tcp", "/proc/self/net/tcp6"):
            with open(table) as handle:  # state 0A is LISTEN
                listening = [line.split() for line in handle.read().splitlines()[1:]]
            assert not [f for f in listening if f[1].endswith(":" + port) and f[3] == "0A"]


def _group(pgid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                if os.getpgid(int(entry)) == pgid:
                    found.append(int(entry))
            except ProcessLookupError:
                pass
    return found


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return ""


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as handle:
                parent = int(handle.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        tree.setdefault(parent, []).append(int(entry))
    return tree


def _descendants(root: int) -> set[int]:
    tree, seen, todo = _children(), set(), [root]
    while todo:
        for child in tree.get(todo.pop(), []):
            if child not in seen:
                seen.add(child)
                todo.append(child)
    return seen


@pytest.mark.parametrize("mode", ["--side-by-side", "--one-process"])
def test_no_frog_outlives_a_killed_run(db_url: str, tmp_path: Path, mode: str) -> None:
    """SIGKILL of `kroniek run` while its Frog works: within seconds no process it started (analysis process,
    launcher, Frog, Frog's per-connection child) is left, in either mode, on SQLite and PostgreSQL."""
    from kroniek.model import Article
    from kroniek.store.repository import Store

    config = tmp_path / "k.toml"
    config.write_text('[analyse]\ndeep = "all"\nbatch_size = 4\n', encoding="utf-8")
    store = Store.open(db_url)
    try:
        store.ingest_batch([Article(outlet="Testkrant", id=f"a{i}", title=f"Bericht {i} uit Zwolle",
                                    text=" ".join(f"De burgemeester van Zwolle sprak op dag {i}.{j} met de "
                                                  "bewoners over de nieuwe brug." for j in range(40)))
                            for i in range(60)])
    finally:
        store.close()
    env = {k: v for k, v in os.environ.items() if k != "KRONIEK_FAILPOINT"}
    run = subprocess.Popen([sys.executable, "-m", "kroniek", "--db", db_url, "--config", str(config),
                            "run", mode], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    frog = shutil.which("frog") or "frog"
    seen: set[int] = set()
    workdirs: set[str] = set()
    deadline = time.monotonic() + 120
    try:
        connected = 0.0
        while time.monotonic() < deadline and run.poll() is None:
            family = _descendants(run.pid)
            seen |= family
            frogs = [pid for pid in family if _cmdline(pid).startswith(frog + " -S ")]  # not `frog --version`
            for pid in frogs:
                try:
                    workdirs.add(os.readlink(f"/proc/{pid}/cwd"))
                except OSError:
                    pass
            if len(frogs) >= 2 and not connected:  # the server and the child serving our connection
                connected = time.monotonic()
            if connected and time.monotonic() - connected > 1.0:
                break
            time.sleep(0.05)
        assert run.poll() is None and connected, "the run ended before its Frog was seen at work"
        run.kill()
    finally:
        run.wait()
    left = {pid for pid in seen if _running(str(pid))}
    gone_by = time.monotonic() + 20
    while left and time.monotonic() < gone_by:
        time.sleep(0.2)
        left = {pid for pid in left if _running(str(pid))}
    assert not left, [_cmdline(pid) for pid in left]
    in_workdir = []
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and os.readlink(f"/proc/{entry}/cwd") in workdirs and _running(entry):
                in_workdir.append(entry)
        except OSError:
            pass
    assert not in_workdir, "a Frog started after the kill is still running"


def test_frog_starts_while_the_first_batch_is_prepared_and_a_missing_one_is_reported_once() -> None:
    """Frog is started in its thread as soon as there is something to analyse (it loads for seconds); a Frog that
    cannot start is reported by the first request, as before, without a second wait for it."""
    from kroniek.analyse.pipeline import Analyser, AnalysisOptions
    from kroniek.model import Article

    article = Article(outlet="test", title="Brand in Zwolle", text="Bij een brand in Zwolle zijn twee mensen gewond.")
    with Analyser(AnalysisOptions(deep="triage")) as analyser:
        stream = analyser.analyse_stream([[], [article]])
        [empty, batch] = list(stream)
        assert empty.documents == [] and batch.documents[0].sentences[0].deep  # the title went to Frog
        assert analyser._frog is not None and analyser._frog.alive()
    missing = Analyser(AnalysisOptions(deep="triage", frog_binary="kroniek-no-such-frog"))
    started = time.monotonic()
    with pytest.raises(AnalyserUnavailable, match="not installed"):
        list(missing.analyse_stream([[article]]))
    assert time.monotonic() - started < 30
    with Analyser(AnalysisOptions(deep="triage")) as cached:
        assert [b.documents for b in cached.analyse_stream([[], []])] == [[], []]
        assert cached._frog is None  # nothing to analyse: Frog is not started for nothing

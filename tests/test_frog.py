"""Frog as a supervised service: round trip, offsets, restart after a kill, a hung server replaced, clean stop."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterator

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

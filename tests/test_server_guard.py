"""A server that degrades, never errors: ids matched exactly and capped in length, write bodies checked before the
handler (deep nesting, huge integers, lone surrogates), exports streamed and limited, and overload answered with
429 and Retry-After instead of a pool time-out. Own fixtures, SQLite and PostgreSQL (when KRONIEK_TEST_PG)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import TimeoutError as PoolTimeout

from conftest import BACKENDS, fresh_db_url
from kroniek.config import Settings, load_settings
from kroniek.model import Article
from kroniek.serve import guard
from kroniek.serve.app import create_app
from kroniek.store import query
from kroniek.store.repository import Store

TOKEN = "een-heel-lang-schrijftoken-voor-de-wacht"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
IDS = ["zeta%1", "zeta_2", "zetaprefix", "omega"]


@pytest.fixture(scope="module", params=BACKENDS)
def served(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings,
                                                                                                       Store]]:
    folder: Path = tmp_path_factory.mktemp("guard")
    with contextmanager(fresh_db_url)(request.param, folder) as url:
        settings = load_settings(db_url=url)
        store = Store.open(url)
        try:
            store.ingest_batch([Article(id=key, outlet="wachtpost", url=f"https://wachtpost.example/{n}",
                                        title=f"Bericht {n}", text=f"De brandweer rukte uit voor melding {n}.")
                                for n, key in enumerate(IDS)])
            yield settings, store
        finally:
            store.close()


@pytest.fixture(scope="module")
def client(served: tuple[Settings, Store]) -> Iterator[TestClient]:
    settings, store = served
    with TestClient(create_app(settings, store, write_token=TOKEN), raise_server_exceptions=False) as test_client:
        yield test_client


def error(response: Any, status: int) -> str:
    assert response.status_code == status, (response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("application/json")
    return str(response.json()["error"])


# --- ids -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("key", IDS)
def test_stored_ids_are_found_exactly(client: TestClient, key: str) -> None:
    from urllib.parse import quote

    assert client.get(f"/api/articles/{quote(key)}").json()["id"] == key
    assert client.get(f"/articles/{quote(key)}").status_code == 200


@pytest.mark.parametrize("key", ["zeta%25", "zeta_", "zeta", "zet", "%25", "_", "%25%25", "omeg", "OMEGA",
                                 "zeta%251%25", "_eta_2"])
def test_no_prefix_or_wildcard_matches_in_the_api(client: TestClient, key: str) -> None:
    assert "no article" in error(client.get(f"/api/articles/{key}"), 404)
    assert client.get(f"/articles/{key}").status_code == 404


def test_resolve_article_id(served: tuple[Settings, Store]) -> None:
    _, store = served
    assert query.resolve_article_id(store, "zeta%1") == "zeta%1"
    assert query.resolve_article_id(store, "zeta") is None, "exact unless a prefix is asked for"
    assert query.resolve_article_id(store, "zeta%", prefix=True) == "zeta%1"
    assert query.resolve_article_id(store, "zeta_", prefix=True) == "zeta_2"
    assert query.resolve_article_id(store, "zetap", prefix=True) == "zetaprefix"
    assert query.resolve_article_id(store, "zeta", prefix=True) is None, "three match: ambiguous"
    assert query.resolve_article_id(store, "%", prefix=True) is None
    assert query.resolve_article_id(store, "", prefix=True) is None
    assert query.resolve_article_id(store, "z" * 60_000, prefix=True) is None


@pytest.mark.parametrize("path", ["/api/articles/", "/api/stories/", "/api/events/", "/api/places/", "/api/actors/",
                                  "/articles/", "/stories/", "/events/", "/places/", "/actors/"])
@pytest.mark.parametrize("length", [query.MAX_ID_LENGTH + 1, 60_000])
def test_over_long_ids_are_a_404(client: TestClient, path: str, length: int) -> None:
    response = client.get(path + "%" * (length // 2) + "_" * (length - length // 2))
    assert response.status_code == 404, (path, response.status_code, response.text[:200])
    if path.startswith("/api/"):
        assert "characters" in response.json()["error"]


def test_ids_up_to_the_cap_are_looked_up(client: TestClient) -> None:
    assert client.get("/api/articles/" + "a" * query.MAX_ID_LENGTH).status_code == 404
    assert client.get("/api/places/" + "a" * query.MAX_ID_LENGTH).json()["events"] == []


# --- write bodies ----------------------------------------------------------------------------------------------

GOOD = {"id": "wacht-1", "outlet": "wachtpost", "url": "https://wachtpost.example/w1", "title": "Dijk versterkt",
        "text": "Het waterschap heeft dinsdag de dijk bij Kampen versterkt.", "published_at": "2025-03-04"}
DEEP = b"[" * 100_000 + b"]" * 100_000
BAD_BODIES = [  # (body, a word the message must contain)
    (DEEP, "nested"),
    (b'[{"a": ' + b"[" * 40 + b"]" * 40 + b"}]", "nested"),
    (b'[{"id": "x", "outlet": "y", "text": "z", "n": ' + b"9" * 5000 + b"}]", "digits"),
    (b'[{"id": "x", "outlet": "y", "text": "z", "n": -' + b"1" * 25 + b"}]", "digits"),
    (b'[{"id": "x", "outlet": "y", "text": "z", "n": 1e999}]', "out of range"),
    (b'[{"id": "x", "outlet": "y", "text": "z", "n": NaN}]', "not JSON"),
    (b'[{"id": "x", "outlet": "y", "text": "z", "n": -Infinity}]', "not JSON"),
    (json.dumps([dict(GOOD, title="Dijk \udfff versterkt")]).encode(), "surrogate"),
    (json.dumps([dict(GOOD, text="tekst \ud800")]).encode(), "surrogate"),
    (json.dumps([{"\udc00": 1}]).encode(), "surrogate"),
    (json.dumps([GOOD]).encode()[:-1] + b'"\\ud83d"]', "not JSON"),
    ('[{"title": "\udfff"}]'.encode("utf-8", "surrogatepass"), "UTF-8"),
    (b"\xff\xfe[]", "UTF-8"),
    (b"[{", "not JSON"),
]


@pytest.mark.parametrize(("body", "word"), BAD_BODIES, ids=[f"{w}-{n}" for n, (_, w) in enumerate(BAD_BODIES)])
def test_bad_write_bodies_are_a_4xx_and_store_nothing(client: TestClient, served: tuple[Settings, Store],
                                                      body: bytes, word: str) -> None:
    _, store = served
    before = store.count_articles()
    message = error(client.post("/api/articles", content=body, headers=AUTH), 400)
    assert word in message, message
    assert store.count_articles() == before


def test_body_check_comes_after_the_token_and_lets_good_bodies_through(client: TestClient,
                                                                       served: tuple[Settings, Store]) -> None:
    _, store = served
    assert client.post("/api/articles", content=DEEP).status_code == 401
    assert client.post("/api/articles", content=DEEP, headers={"Authorization": "Bearer fout"}).status_code == 401
    nested_ok = dict(GOOD, id="wacht-2", url="https://wachtpost.example/w2", extra={"a": [[1, 2], {"b": "[{"}]})
    created = client.post("/api/articles", content=json.dumps([nested_ok, GOOD]).encode(), headers=AUTH)
    assert created.status_code in (201, 207), created.text[:300]
    assert store.get_article("wacht-1") is not None
    assert client.get("/api/stories").status_code == 200, "the server goes on answering"


def test_check_json_body_directly() -> None:
    assert guard.check_json_body(b'[{"a": "[[[[", "b": [1, 2.5, -3, true, null]}]') == [
        {"a": "[[[[", "b": [1, 2.5, -3, True, None]}]
    assert guard.check_json_body(b"[" * 32 + b"]" * 32) is not None
    for bad in (b"[" * 33 + b"]" * 33, b'"\\udfff"', b"1" * 21, b"NaN"):
        with pytest.raises(guard.BodyError):
            guard.check_json_body(bad)


# --- exports and overload --------------------------------------------------------------------------------------


class Held:
    """An exporter that writes a first part, then waits until the test lets it finish."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()

    def __call__(self, store: Store, stream: TextIO) -> None:
        stream.write('{"deel": 1, ')
        stream.flush()
        self.started.set()
        assert self.release.wait(30)
        stream.write('"rest": "' + "x" * 200_000 + '"}')


def _in_thread(client: TestClient, path: str) -> tuple[threading.Thread, dict[str, Any]]:
    got: dict[str, Any] = {}

    def fetch() -> None:
        got["response"] = client.get(path)

    thread = threading.Thread(target=fetch)
    thread.start()
    return thread, got


def test_exports_are_limited_with_429_and_retry_after(served: tuple[Settings, Store],
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    from kroniek.export import EXPORTERS

    settings, store = served
    held = Held()
    monkeypatch.setitem(EXPORTERS, "json", held)
    settings.data["serve"]["max_concurrent_exports"] = 1
    try:
        with TestClient(create_app(settings, store), raise_server_exceptions=False) as client:
            thread, got = _in_thread(client, "/api/export/json")
            assert held.started.wait(30)
            refused = client.get("/api/export/acled")
            assert "too many exports" in error(refused, 429)
            assert int(refused.headers["retry-after"]) >= 1
            assert client.get("/api/stories").status_code == 200, "other routes are not held up"
            held.release.set()
            thread.join(30)
            assert got["response"].status_code == 200
            assert json.loads(got["response"].content) == {"deel": 1, "rest": "x" * 200_000}
            for _ in range(100):  # the slot is freed when the exporter thread ends, just after the last byte
                again = client.get("/api/export/acled")
                if again.status_code != 429:
                    break
                time.sleep(0.05)
            assert again.status_code == 200 and again.text.startswith("event_id_cnty")
    finally:
        held.release.set()
        del settings.data["serve"]["max_concurrent_exports"]


def test_an_overloaded_server_answers_429_not_a_time_out(served: tuple[Settings, Store],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from kroniek.export import EXPORTERS

    settings, store = served
    held = Held()
    monkeypatch.setitem(EXPORTERS, "plover", held)
    settings.data["serve"].update(max_concurrent_requests=1, max_queued_requests=0)
    try:
        with TestClient(create_app(settings, store), raise_server_exceptions=False) as client:
            thread, got = _in_thread(client, "/api/export/plover")
            assert held.started.wait(30)
            for path in ("/api/stories", "/api/articles/omega", "/stories"):
                busy = client.get(path)
                assert busy.status_code == 429 and busy.headers["retry-after"] == "1", path
                assert busy.headers["x-content-type-options"] == "nosniff", "security headers on a 429 too"
            assert client.get("/healthz").text == "ok", "health checks are not queued"
            held.release.set()
            thread.join(30)
            assert got["response"].status_code == 200
            assert client.get("/api/articles/omega").status_code == 200
    finally:
        held.release.set()
        for key in ("max_concurrent_requests", "max_queued_requests"):
            del settings.data["serve"][key]


def test_a_pool_time_out_is_a_429(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    def exhausted(store: Store) -> list[dict[str, Any]]:
        raise PoolTimeout("QueuePool limit of size 5 overflow 10 reached")

    monkeypatch.setattr(query, "list_places", exhausted)
    response = client.get("/api/places")
    assert "busy" in error(response, 429) and response.headers["retry-after"]


def test_export_head_runs_no_export(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from kroniek.export import EXPORTERS

    def refuse(store: Store, stream: TextIO) -> None:
        raise AssertionError("HEAD must not run the export")

    monkeypatch.setitem(EXPORTERS, "geojson", refuse)
    head = client.head("/api/export/geojson")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"].startswith("application/geo+json")

"""The API and its OpenAPI document agree: every route declares typed answers (pydantic models, real media types,
the errors it gives), the document is valid OpenAPI, every answer on a real store matches what its route declares,
unknown parameters and non-ISO dates are refused, and schemathesis (bounded, loopback only) finds no failure
against a running ``kroniek serve``."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import jsonschema
import pytest
from fastapi.testclient import TestClient

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.specs.openapi.checks import positive_data_acceptance  # noqa: E402

from conftest import SAMPLE  # noqa: E402
from weblive import free_port  # noqa: E402


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Any, Any]]:
    """The bundled sample run through every stage (no Frog: the answers' shapes are what is tested)."""
    from kroniek import pipeline
    from kroniek.config import load_settings
    from kroniek.ingest import ingest_paths
    from kroniek.serve.app import create_app
    from kroniek.store.repository import Store

    folder = tmp_path_factory.mktemp("schema")
    settings = load_settings(db_url=f"sqlite:///{folder / 'api.db'}")
    settings.data["analyse"]["deep"] = "none"
    store = Store.open(settings.db_url)
    ingest_paths(store, [str(SAMPLE / "articles.jsonl"), str(SAMPLE / "feed.xml")])
    pipeline.run(store, settings)
    app = create_app(settings, store)
    yield app, store
    store.close()


@pytest.fixture(scope="module")
def client(served: tuple[Any, Any]) -> TestClient:
    return TestClient(served[0])


@pytest.fixture(scope="module")
def document(client: TestClient) -> dict[str, Any]:
    answer = client.get("/openapi.json")
    assert answer.status_code == 200
    return dict(answer.json())


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            yield path, method, operation


def test_the_document_is_valid_openapi(document: dict[str, Any]) -> None:
    from openapi_spec_validator import validate

    validate(document)  # raises on any violation of the OpenAPI 3.1 schema
    assert document["openapi"].startswith("3.")


def test_every_answer_is_typed_and_every_error_declared(document: dict[str, Any]) -> None:
    """No route answers a free-form object: a client generator gets a type for each, and the errors the server's
    guards give (400 NUL in the URL, 405 read-only, 413 body too large, 422 parameters, 429 busy) are declared."""
    untyped = []
    for path, method, operation in operations(document):
        responses = operation["responses"]
        ok = responses.get("200") or responses.get("201")
        assert ok is not None, (method, path)
        for media, content in ok["content"].items():
            schema = content.get("schema", {})
            free = schema in ({}, {"type": "object"}, {"type": "object", "additionalProperties": True})
            if free and media in ("application/json", "application/geo+json") and path != "/api/export/{fmt}":
                untyped.append((method, path, media))
        for code in ("400", "405", "413", "422", "429"):
            assert code in responses, (method, path, code)
            error = responses[code]["content"]["application/json"]["schema"]
            assert error["$ref"].rsplit("/", 1)[-1] in ("Error", "ValidationProblem"), (path, code)
    assert untyped == []
    assert "HTTPValidationError" not in document["components"]["schemas"]  # the 422 is kroniek's own shape


def test_the_export_and_the_map_declare_their_real_media_types(document: dict[str, Any]) -> None:
    export = document["paths"]["/api/export/{fmt}"]["get"]["responses"]["200"]["content"]
    assert {"text/csv", "application/json", "application/x-ndjson", "application/geo+json"} <= set(export)
    geo = document["paths"]["/api/map"]["get"]["responses"]["200"]["content"]
    assert list(geo) == ["application/geo+json"]
    assert geo["application/geo+json"]["schema"]["$ref"].endswith("/MapCollection")


def response_schema(document: dict[str, Any], path: str, status: int, media: str) -> dict[str, Any]:
    """The schema a route declares for one answer, as a JSON Schema with the document's components beside it."""
    operation = document["paths"][path]["get"]
    declared = operation["responses"][str(status)]["content"][media]["schema"]
    schemas = document["components"]["schemas"]
    return {**declared, "$defs": schemas}


def resolve_refs(schema: Any) -> Any:
    """OpenAPI's ``#/components/schemas/X`` references as JSON Schema ``#/$defs/X`` ones."""
    if isinstance(schema, dict):
        return {key: (value.replace("#/components/schemas/", "#/$defs/") if key == "$ref" else resolve_refs(value))
                for key, value in schema.items()}
    if isinstance(schema, list):
        return [resolve_refs(value) for value in schema]
    return schema


def test_real_answers_match_their_declared_schemas(client: TestClient, document: dict[str, Any]) -> None:
    """Each route asked for real ids and names of the store, and for things it does not have: every answer,
    success or error, validates against the schema its route declares for that status."""
    story = client.get("/api/stories?limit=1").json()["items"][0]["id"]
    event = client.get("/api/events?limit=1").json()["items"][0]["id"]
    article = client.get("/api/articles?limit=1").json()["items"][0]["id"]
    place = client.get("/api/places").json()[0]["name"]
    actor = client.get("/api/actors").json()[0]["name"]
    asked = [
        ("/api/stories", "/api/stories?full=true&limit=3"), ("/api/stories", "/api/stories?date_from=2099-01-01"),
        ("/api/stories/{story_id}", f"/api/stories/{story}"),
        ("/api/stories/{story_id}", f"/api/stories/{story}?full=true"),
        ("/api/stories/{story_id}", "/api/stories/nothing-here"),
        ("/api/events", "/api/events?limit=5"), ("/api/events", "/api/events?full=true&facets=true"),
        ("/api/events", "/api/events?bogus=1"), ("/api/events/{event_id}", f"/api/events/{event}"),
        ("/api/events/{event_id}", "/api/events/nothing"), ("/api/events/deleted", "/api/events/deleted"),
        ("/api/articles", "/api/articles"), ("/api/articles/{article_id}", f"/api/articles/{article}"),
        ("/api/search", "/api/search?q=politie"), ("/api/search", "/api/search?q=%22de%20straat%22"),
        ("/api/places", "/api/places"), ("/api/places/{name}", f"/api/places/{place}"),
        ("/api/actors", "/api/actors"), ("/api/actors/{name}", f"/api/actors/{actor}"),
        ("/api/lists/{kind}", "/api/lists/places"), ("/api/lists/{kind}", "/api/lists/outlets?sort=name"),
        ("/api/lists/{kind}", "/api/lists/nothing"), ("/api/suggest", "/api/suggest?kind=place&prefix=T"),
        ("/api/map", "/api/map"), ("/api/map", f"/api/map?story_id={story}"), ("/api/map", "/api/map?date_from=0"),
    ]
    for route, url in asked:
        answer = client.get(url)
        media = answer.headers["content-type"].split(";")[0]
        schema = resolve_refs(response_schema(document, route, answer.status_code, media))
        jsonschema.validate(answer.json(), schema)  # raises, naming the field, where the answer differs


def test_unknown_parameters_are_refused_on_every_route(client: TestClient, document: dict[str, Any]) -> None:
    story = client.get("/api/stories?limit=1").json()["items"][0]["id"]
    for path, method, _operation in operations(document):
        if method != "get":
            continue
        url = (path.replace("{story_id}", story).replace("{event_id}", "x").replace("{article_id}", "x")
               .replace("{name}", "x").replace("{kind}", "events").replace("{fmt}", "acled"))
        joiner = "&" if "?" in url else "?"
        required = {"/api/search": "q=a", "/api/suggest": "kind=place&prefix=a"}.get(path)
        if required:
            url += "?" + required
            joiner = "&"
        answer = client.get(f"{url}{joiner}plaats=Tbilisi")
        assert answer.status_code == 422, (path, answer.status_code, answer.text[:200])
        assert "plaats" in answer.json()["error"]
    page = client.get(f"/stories/{story}?plaats=x")  # a page answers with a page
    assert page.status_code == 422 and page.headers["content-type"].startswith("text/html")


@pytest.mark.parametrize("value", ["0", "20220101", "2022-1-5", "2022-02-30", "1.5", "yesterday"])
def test_dates_must_be_iso_days(client: TestClient, value: str) -> None:
    for route in ("/api/stories", "/api/events", "/api/map"):
        answer = client.get(f"{route}?date_from={value}")
        assert answer.status_code == 422, (route, value)
        assert "date_from" in answer.text
    assert client.get("/api/stories?date_from=2025-03-01&date_to=").status_code == 200  # empty: no filter


# --- schemathesis against a running server --------------------------------------------------------------------------

EXAMPLES = 25  # per operation: bounded, so CI time stays fixed


@pytest.fixture(scope="module")
def server_url(served: tuple[Any, Any], tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``kroniek serve`` itself, as a user starts it, on a free loopback port over the test store."""
    store = served[1]
    port = free_port()
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    with log.open("wb") as sink:
        db_url = store.engine.url.render_as_string(hide_password=False)
        server = subprocess.Popen([sys.executable, "-m", "kroniek", "--db", db_url, "serve", "--host", "127.0.0.1",
                                   "--port", str(port)], stdout=sink, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            assert server.poll() is None, log.read_text(errors="replace")
            try:
                if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "kroniek serve did not answer in 60 s"
            time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture
def api_schema(server_url: str) -> Any:
    assert server_url.startswith("http://127.0.0.1:")  # loopback only: every generated request goes there
    return schemathesis.openapi.from_url(f"{server_url}/openapi.json")


lazy = schemathesis.pytest.from_fixture("api_schema")


@lazy.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.function_scoped_fixture])
def test_schemathesis_finds_no_failure(case: Any, server_url: str) -> None:
    case.call_and_validate(base_url=server_url, excluded_checks=[positive_data_acceptance],
                           additional_checks=[accepts_valid_data_but_documented_contradictions])


# What a schema cannot say: one parameter against another, a query of punctuation alone, a NUL in a string. The
# routes document these refusals; any other refusal of schema-valid data is a failure.
DOCUMENTED_REFUSALS = {422: ("date_from is after date_to", "nothing to search for in",
                             "timestamp: only the acled export takes it"),
                       400: ("NUL characters are not allowed",)}  # PostgreSQL text cannot hold them


def accepts_valid_data_but_documented_contradictions(ctx: Any, response: Any, case: Any) -> bool | None:
    try:
        return positive_data_acceptance(ctx, response, case)
    except Exception:
        if any(rule in response.text for rule in DOCUMENTED_REFUSALS.get(response.status_code, ())):
            return None
        raise



def test_the_docs_page_names_each_answers_model_and_media(client: TestClient) -> None:
    page = client.get("/docs").text
    assert "200 StoryPage (application/json)" in page
    assert "200 MapCollection (application/geo+json)" in page
    assert "422 ValidationProblem (application/json)" in page
    assert "string (date) | empty" in page  # a date parameter: an ISO day, or an empty form field
    assert "one of place, actor, outlet, event_type" in page

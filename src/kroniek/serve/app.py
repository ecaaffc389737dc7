"""The web app: server-rendered pages and a JSON API over the same read-side queries (``kroniek.store.query``).

Read-only by default: every route is a GET. Started with a write token (``kroniek serve --write-token`` or
``KRONIEK_WRITE_TOKEN``), one write route opens: ``POST /api/articles`` with ``Authorization: Bearer <token>``
stores articles (the ingest schema) exactly as ``kroniek ingest`` would. Untrusted text (titles, article text, URLs)
is only ever rendered through Jinja's autoescaping, and a strict Content-Security-Policy forbids inline script and
any outside resource.
"""


import datetime as dt
import gc
import hmac
import json
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    Response,
    StreamingResponse,
)
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BeforeValidator
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from kroniek.config import Settings, load_settings
from kroniek.serve import maps, schemas
from kroniek.serve.guard import BodyGuard, Busy, Exports, Gate
from kroniek.serve.schemas import answers
from kroniek.store import lists, query, search
from kroniek.store.repository import Store

SEARCH_HELP = ('words (Dutch inflections match: "demonstranten" finds "demonstrant"), "quoted phrases" and '
               '-excluded words; accents do not matter')

# connect-src 'self': the map's script fetches its GeoJSON and basemap from this server, and from nowhere else
CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; connect-src 'self'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")

EXPORT_MEDIA = {"acled": ("text/csv", "csv"), "plover": ("application/json", "json"),
                "plover-jsonl": ("application/x-ndjson", "jsonl"), "polecat": ("text/csv", "csv"),
                "geojson": ("application/geo+json", "geojson"), "json": ("application/json", "json")}


def safe_url(url: str | None) -> str | None:
    """Only http(s) links are rendered as links; ``javascript:`` and friends become plain text."""
    if not url:
        return None
    return url if urlsplit(url).scheme in ("http", "https") else None


LIST_EVENTS = 20  # events per story in /api/stories (summaries); the story itself has them all
PAGE_ROWS = 300  # events and articles listed on a story page; the JSON has them all
WRITE_ROUTES = {("POST", "/api/articles")}


def settle() -> None:
    """Server start-up: build the basemap's outlines, then move everything alive (modules, templates, basemap)
    out of the garbage collector's sight. A full collection would otherwise walk those few hundred thousand
    long-lived objects again and again, a pause of tens of milliseconds in whichever request triggers it."""
    maps.warm()
    gc.collect()
    gc.freeze()


def api_reference(openapi: dict[str, Any]) -> list[dict[str, Any]]:
    """The routes of an OpenAPI document as rows for the docs page: method, path, summary, parameters, answers."""
    rows = []
    for path, operations in openapi.get("paths", {}).items():
        for method, operation in operations.items():
            parameters = []
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                kinds: list[str] = []
                for option in schema.get("anyOf", [schema]):
                    kind = parameter_kind(option)
                    if option.get("type") != "null" and kind not in kinds:
                        kinds.append(kind)
                limits = {k: v for k, v in schema.items() if k in ("minimum", "maximum", "maxLength", "minLength")}
                for option in schema.get("anyOf", []):
                    limits.update({k: v for k, v in option.items() if k in ("maxLength", "minLength") and v})
                parameters.append({"name": parameter["name"], "in": parameter.get("in", ""),
                                   "required": parameter.get("required", False), "type": " | ".join(kinds),
                                   "default": schema.get("default"), "limits": limits,
                                   "description": parameter.get("description") or schema.get("description", "")})
            rows.append({"method": method.upper(), "path": path, "summary": operation.get("summary", ""),
                         "description": operation.get("description", ""), "parameters": parameters,
                         "responses": [answer_label(code, answer) for code, answer
                                       in sorted(operation.get("responses", {}).items())]})
    return rows


def parameter_kind(schema: dict[str, Any]) -> str:
    """A parameter's type as the docs page says it: "string (date)", "one of place, actor", "empty"."""
    if schema.get("maxLength") == 0:
        return "empty"
    if schema.get("enum"):
        return "one of " + ", ".join(str(value) for value in schema["enum"])
    kind = str(schema.get("type", ""))
    if schema.get("format"):
        return f"{kind} ({schema['format']})"
    return f"{kind} matching {schema['pattern']}" if schema.get("pattern") else kind


def answer_label(code: str, answer: dict[str, Any]) -> str:
    """"200 Story (application/json)": a status with the model and media types the document gives it."""
    models, media = [], []
    for kind, content in answer.get("content", {}).items():
        media.append(kind)
        schema = content.get("schema", {})
        ref = schema.get("$ref") or schema.get("items", {}).get("$ref")
        if ref:
            name = ref.rsplit("/", 1)[-1]
            models.append(f"list of {name}" if "items" in schema else name)
    shown = " ".join(dict.fromkeys(models))
    return f"{code} {shown} ({', '.join(media)})".replace("  ", " ") if media else code


ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def iso_day(value: Any) -> Any:
    """A date parameter is an ISO day, YYYY-MM-DD, and nothing else: pydantic alone would read ``0`` as 1970-01-01
    (Unix seconds). An empty field of the filter form (``date_from=``) means no filter, not a bad date."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not ISO_DAY.fullmatch(value):
        raise ValueError("not a date (YYYY-MM-DD)")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError("not a date of the calendar (YYYY-MM-DD)") from None


def parses_own_query(endpoint: Callable[..., Any]) -> Callable[..., Any]:
    """Marks a route that reads its query parameters itself (the lists, with their many filters, refuse the
    unknown ones in ``kroniek.store.lists.parse``); every other route takes only the parameters it declares."""
    endpoint.__dict__["parses_own_query"] = True
    return endpoint


def media_types(document: dict[str, Any], answers: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The OpenAPI document with the 200 answer of the routes in ``answers`` (path → media type → content) served
    under their real media types: FastAPI describes every model as application/json."""
    for path, content in answers.items():
        ok = document.get("paths", {}).get(path, {}).get("get", {}).get("responses", {}).get("200")
        if ok is None:
            continue
        described = ok.get("content", {}).get("application/json", {})
        ok["content"] = {media: (described if value is None else value) for media, value in content.items()}
    return document


def create_app(settings: Settings | None = None, store: Store | None = None,
               write_token: str | None = None) -> FastAPI:
    settings = settings or load_settings()
    own_store = store is None
    the_store = store or Store.open(settings.db_url)
    page_size = int(settings.get("serve", "page_size", 50))
    max_page = int(settings.get("serve", "max_page_size", 500))
    max_request = int(settings.get("serve", "max_request_bytes", 1_000_000))
    exports = Exports(int(settings.get("serve", "max_concurrent_exports", 2)))

    # Swagger UI and ReDoc load scripts from a CDN, which the CSP forbids (and the machine may be offline): /docs
    # hands out the OpenAPI document itself instead of a blank page.
    def declared_parameters_only(request: Request) -> None:
        """A parameter a route does not take would be silently ignored (a typo'd filter shows everything): a 422
        naming it and what the route takes."""
        route = request.scope.get("route")
        if not isinstance(route, APIRoute) or route.endpoint.__dict__.get("parses_own_query"):
            return
        known = sorted(parameter.alias for parameter in route.dependant.query_params)
        unknown = sorted({name for name in request.query_params if name not in known})
        if unknown:
            names = ", ".join(repr(name[:40]) for name in unknown[:10])
            takes = f"this route takes {', '.join(known)}" if known else "this route takes none"
            raise HTTPException(422, f"unknown parameter{'s' if len(unknown) > 1 else ''} {names}; {takes}")

    app = FastAPI(title="kroniek", version="0.1.0", docs_url=None, redoc_url=None,
                  dependencies=[Depends(declared_parameters_only)],
                  description="Stories, events and source-attributed figures from dated news articles.")

    def openapi_document() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(title=app.title, version=app.version, description=app.description,
                                   routes=app.routes)
            app.openapi_schema = media_types(document, {
                "/api/map": {"application/geo+json": None},
                "/api/export/{fmt}": dict(schemas.EXPORT_CONTENT)})
        return app.openapi_schema

    app.openapi = openapi_document  # type: ignore[method-assign]
    templates = Jinja2Templates(directory=str(resources.files("kroniek.serve").joinpath("templates")))
    templates.env.globals["safe_url"] = safe_url
    static_dir = Path(str(resources.files("kroniek.serve").joinpath("static")))
    app.mount("/static", StaticFiles(directory=static_dir), name="static")

    if own_store:
        app.router.on_shutdown.append(the_store.close)
    app.router.on_startup.append(settle)

    def authorised(header: bytes) -> bool:
        return bool(write_token) and hmac.compare_digest(header, f"Bearer {write_token}".encode())

    # Added innermost first: security (below) wraps the gate, which wraps the body check, so every answer,
    # a 429 or a refused body too, carries the security headers.
    app.add_middleware(BodyGuard, routes=WRITE_ROUTES, authorised=authorised, max_bytes=max_request)
    app.add_middleware(Gate, limit=int(settings.get("serve", "max_concurrent_requests", 12)),
                       queued=int(settings.get("serve", "max_queued_requests", 1000)),
                       wait_s=float(settings.get("serve", "queue_wait_s", 10.0)))

    @app.middleware("http")
    async def security(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        length = request.headers.get("content-length")
        if length and (not length.isdigit() or int(length) > max_request):
            return JSONResponse({"error": f"request body larger than {max_request} bytes"}, status_code=413)
        if request.method not in ("GET", "HEAD") and not (write_token and (request.method, request.url.path)
                                                          in WRITE_ROUTES):
            allowed = "GET, HEAD, POST" if write_token and request.url.path == "/api/articles" else "GET, HEAD"
            return JSONResponse({"error": "kroniek serve is read-only (start it with --write-token to accept "
                                          "articles at POST /api/articles)"}, status_code=405,
                                headers={"Allow": allowed})  # RFC 9110: a 405 names what the resource allows
        params = "".join(key + value for key, value in request.query_params.multi_items())
        if "\x00" in request.url.path + params:  # PostgreSQL cannot hold NUL in text: it would be a 500 there
            return JSONResponse({"error": "NUL characters are not allowed in the URL"}, status_code=400)
        head = request.method == "HEAD"
        if head:  # HEAD is GET without the body (RFC 9110): link checkers and monitors ask for it
            request.scope["method"] = "GET"
            request.scope["kroniek.head"] = True  # the export route then runs no export
        response = await call_next(request)
        if head:
            response = Response(status_code=response.status_code, headers=dict(response.headers))
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        return response

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        problems = [f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors()]
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": "invalid parameters", "details": problems}, status_code=422)
        return templates.TemplateResponse(request, "error.html", {  # a person reads a page, not JSON
            "status": 422, "detail": "invalid parameters", "problems": problems}, status_code=422)

    @app.exception_handler(PoolTimeout)
    async def pool_exhausted(request: Request, exc: PoolTimeout) -> JSONResponse:
        # the gate keeps requests below the pool's size; this is the fallback when something else holds it
        return JSONResponse({"error": "the server is busy; try again shortly"}, status_code=429,
                            headers={"Retry-After": "2"})

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith("/api/"):
            return JSONResponse({"error": exc.detail}, status_code=exc.status_code)
        return templates.TemplateResponse(request, "error.html", {"status": exc.status_code,
                                                                  "detail": exc.detail}, status_code=exc.status_code)

    Limit = Annotated[int, Query(ge=1, le=max_page, description="page size")]
    Offset = Annotated[int, Query(ge=0, le=10_000_000)]
    Text = Annotated[str | None, Query(max_length=200)]
    Full = Annotated[bool, Query(description="events in full, with their mentions and evidence spans")]
    StoriesFull = Annotated[bool, Query(description=f"each story with its latest {LIST_EVENTS} events (summaries)")]
    # an empty field of the filter form is no filter: the schema says so, or a client would think it a bad date
    Day = Annotated[dt.date | None, BeforeValidator(iso_day), Query(
        description="YYYY-MM-DD (empty: no filter)", json_schema_extra={"anyOf": [
            {"type": "string", "format": "date"}, {"type": "string", "maxLength": 0}, {"type": "null"}]})]

    def known(value: str, kind: str) -> str:
        """A path id or name longer than any stored one is a 404 before it reaches a query."""
        if len(value) > query.MAX_ID_LENGTH:
            raise HTTPException(404, f"no {kind} {value[:40]!r}… ({len(value)} characters)")
        return value

    def page(items: list[Any], total: int, limit: int, offset: int) -> dict[str, Any]:
        following = offset + limit if offset + limit < total else None
        return {"items": items, "total": total, "limit": limit, "offset": offset, "next_offset": following}

    def story_filters(q: str | None, date_from: dt.date | None, date_to: dt.date | None, place: str | None,
                      outlet: str | None, event_type: str | None) -> dict[str, Any]:
        if date_from and date_to and date_from > date_to:
            raise HTTPException(422, "date_from is after date_to")
        return {"q": q or None, "date_from": date_from.isoformat() if date_from else None,
                "date_to": date_to.isoformat() if date_to else None, "place": place or None,
                "outlet": outlet or None, "event_type": event_type or None}

    # --- JSON API ---------------------------------------------------------------------------------------------

    @app.get("/api/stories", tags=["api"], response_model=None, responses=answers(schemas.StoryPage))
    def api_stories(request: Request, q: Text = None, date_from: Day = None, date_to: Day = None,
                    place: Text = None, outlet: Text = None, event_type: Text = None, limit: Limit = page_size,
                    offset: Offset = 0, full: StoriesFull = False) -> dict[str, Any]:
        """Stories, most recently active first. Items have the story's fields and ``event_count``; ``full=true``
        adds ``events``, the story's latest 20 events as summaries. One story with all its events and articles
        is at /api/stories/{id}. A ``date_from`` after ``date_to`` is a 422."""
        filters = story_filters(q, date_from, date_to, place, outlet, event_type)
        items = query.list_stories(the_store, limit=limit, offset=offset,
                                   events_per_story=LIST_EVENTS if full else 0, **filters)
        return page(items, query.count_stories(the_store, **filters), limit, offset)

    @app.get("/api/stories/{story_id}", tags=["api"], response_model=None,
             responses=answers(schemas.Story, 404))
    def api_story(story_id: str, full: Full = False) -> dict[str, Any]:
        """One story with all its articles and events; events are summaries unless ``full=true``."""
        story = query.get_story(the_store, known(story_id, "story"), full_events=full)
        if story is None:
            raise HTTPException(404, f"no story {story_id!r}")
        return story

    @app.get("/api/events", tags=["api"], response_model=None, responses=answers(schemas.EventPage))
    @parses_own_query
    def api_events(request: Request, story_id: Text = None, place: Text = None, actor: Text = None,
                   event_type: Text = None, date_from: Day = None, date_to: Day = None, limit: Limit = page_size,
                   offset: Offset = 0, full: Full = False) -> Response:
        """Events in timeline order. Items are summaries (no ``mentions``: see ``mention_count``) unless
        ``full=true``; one event in full is at /api/events/{id}. Also takes the event list's other filters
        (outlet, country, precision, month, actor_type), ``sort`` and ``facets`` (see /api/lists/events). A
        ``date_from`` after ``date_to`` is a 422."""
        return list_json("events", request, default_facets=False)

    Since = Annotated[str | None, Query(max_length=40, description="Unix seconds or an ISO date/time: only what "
                                        "changed (was deleted) at or after it, as ACLED's API filters",
                                        json_schema_extra={"anyOf": [
                                            {"type": "string", "pattern": r"^[0-9]{1,11}$"},
                                            {"type": "string", "format": "date"},
                                            {"type": "string", "format": "date-time"}, {"type": "null"}]})]

    def since_seconds(timestamp: str | None) -> int | None:
        from kroniek.export.common import parse_since

        try:
            return None if timestamp is None else parse_since(timestamp)
        except ValueError as error:
            raise HTTPException(422, f"timestamp: {error}") from None

    @app.get("/api/events/deleted", tags=["api"], response_model=None,
             responses=answers(list[schemas.Deleted]))
    def api_deleted_events(timestamp: Since = None, limit: Annotated[int, Query(ge=1, le=5000)] = 5000,
                           offset: Offset = 0) -> list[dict[str, Any]]:
        """ACLED's deletion feed: ``event_id_cnty`` and ``deleted_timestamp`` (Unix seconds) of every id that left
        the ACLED export (merged, retired, a placeholder replaced, or changed so that the export now leaves it out:
        e.g. found not to have happened), oldest first; page with ``limit``/``offset`` until a page is shorter than
        ``limit``. The same rows as ``kroniek export --format acled-deleted``."""
        from kroniek.export.acled import deletion_feed
        from kroniek.export.common import ExportOptions

        feed = deletion_feed(the_store, ExportOptions(since=since_seconds(timestamp)))
        return feed[offset:offset + limit]

    @app.get("/api/events/{event_id}", tags=["api"], response_model=None, responses=answers(schemas.Event, 404))
    def api_event(event_id: str) -> dict[str, Any]:
        event = query.get_event(the_store, known(event_id, "event"))
        if event is None:
            raise HTTPException(404, f"no event {event_id!r}")
        return event

    @app.get("/api/articles", tags=["api"], response_model=None, responses=answers(schemas.ArticlePage))
    @parses_own_query
    def api_articles(request: Request, outlet: Text = None, limit: Limit = page_size,
                     offset: Offset = 0) -> Response:
        """Articles in arrival order, without their text (``display_title``: the title, or an untitled article's
        first sentence). Also takes the article list's filters, ``sort`` and ``facets`` (see /api/lists/articles)."""
        return list_json("articles", request, default_facets=False)

    @app.get("/api/articles/{article_id}", tags=["api"], response_model=None,
             responses=answers(schemas.Article, 404))
    def api_article(article_id: str) -> dict[str, Any]:
        stored = query.resolve_article_id(the_store, known(article_id, "article"))  # exact: no prefixes
        article = the_store.get_article(stored) if stored is not None else None
        if article is None:
            raise HTTPException(404, f"no article {article_id!r}")
        return article.to_dict() | {"events": [e.to_dict() for e in the_store.mentions([article.id])],
                                    "figures": [c.to_dict() for c in the_store.claims([article.id])]}

    @app.post("/api/articles", tags=["api"], status_code=201, include_in_schema=bool(write_token),
              response_model=None, responses={
                  201: {"model": schemas.StoredArticles, "description": "every record stored"},
                  207: {"model": schemas.StoredArticles, "description": "some records rejected (see results)"},
                  **schemas.errors(401)})
    async def api_add_articles(request: Request) -> JSONResponse:
        """Store articles: a JSON list of objects with ``id, outlet, url, title, text, published_at``. Each bad
        record is reported by its index with the reason; the good ones are stored. ``results`` has one entry per
        record (status added/unchanged/rejected, the stored id, the reason); 207 when some were rejected."""
        from kroniek.ingest.base import LIMIT_KEYS, ReadOptions, Rejected
        from kroniek.ingest.readers import build_article
        from kroniek.model import Article

        supplied = request.headers.get("authorization", "")
        if not write_token or not hmac.compare_digest(supplied.encode(), f"Bearer {write_token}".encode()):
            return JSONResponse({"error": "a valid 'Authorization: Bearer <write token>' header is required"},
                                status_code=401)
        body = bytearray()
        async for chunk in request.stream():  # a body without Content-Length is capped as well
            body += chunk
            if len(body) > max_request:
                return JSONResponse({"error": f"request body larger than {max_request} bytes"}, status_code=413)
        try:  # ValueError: an integer of too many digits; RecursionError: nesting too deep
            records = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as error:
            return JSONResponse({"error": f"body is not JSON: {str(error)[:200]}"}, status_code=400)
        if not isinstance(records, list) or len(records) > page_size * 20:
            return JSONResponse({"error": f"body must be a JSON list of at most {page_size * 20} articles"},
                                status_code=400)
        options = ReadOptions(**{key: settings.get("ingest", key) for key in LIMIT_KEYS
                                 if settings.get("ingest", key) is not None})
        good: list[tuple[int, Article]] = []
        results: list[dict[str, Any]] = [{"index": index, "status": "rejected"} for index in range(len(records))]
        for index, record in enumerate(records):
            built = (build_article(record, options, "request", index) if isinstance(record, dict)
                     else Rejected("request", index, "an article must be a JSON object"))
            if isinstance(built, Article):
                good.append((index, built))
            else:
                results[index]["reason"] = built.reason
        # the write token adds articles and never changes one (allow_update=False); a record the store refuses
        # is that record's rejection, not the request's
        result = the_store.ingest_batch([article for _, article in good], allow_update=False) if good else None
        for (index, _article), outcome in zip(good, result.outcomes if result else [], strict=True):
            results[index] = {"index": index, "status": outcome.status, "id": outcome.id} | (
                {"reason": outcome.reason} if outcome.reason else {})
        rejected = [f"request:{r['index']}: {r['reason']}" for r in results if r["status"] == "rejected"]
        summary = {"received": len(records), "rejected": rejected, "results": results,
                   "stored": result.to_dict() if result is not None else {}}
        stored = len(records) - len(rejected)
        return JSONResponse(summary, status_code=201 if stored and not rejected else 422 if not stored else 207)

    @app.get("/api/search", tags=["api"], response_model=None, responses=answers(schemas.SearchResult))
    def api_search(request: Request, q: Annotated[str, Query(min_length=1, max_length=200, description=SEARCH_HELP)],
                   limit: Annotated[int, Query(ge=1, le=100)] = 20, offset: Offset = 0) -> dict[str, Any]:
        """Full-text search over article titles and texts, grouped by story, with the matching sentences. A query
        with no word to search (punctuation or function words alone) is a 422 saying so."""
        try:
            return search.search(the_store, q, limit=limit, offset=offset)
        except search.SearchError as error:
            raise HTTPException(422, str(error)) from error

    @app.get("/api/places", tags=["api"], response_model=None, responses=answers(list[schemas.Place]))
    def api_places(request: Request) -> list[dict[str, Any]]:
        """Every place with its events; paged, sorted and with facets at /api/lists/places."""
        return query.list_places(the_store)

    @app.get("/api/places/{name}", tags=["api"], response_model=None,
             responses=answers(schemas.PlaceEvents, 404))
    def api_place(name: str) -> dict[str, Any]:
        return {"place": name, "events": query.place_events(the_store, known(name, "place"))}

    @app.get("/api/actors", tags=["api"], response_model=None, responses=answers(list[schemas.Actor]))
    def api_actors(request: Request) -> list[dict[str, Any]]:
        """Every actor with its events; paged, sorted and with facets at /api/lists/actors."""
        return query.list_actors(the_store)

    @app.get("/api/actors/{name}", tags=["api"], response_model=None,
             responses=answers(schemas.ActorEvents, 404))
    def api_actor(name: str) -> dict[str, Any]:
        return {"actor": name, "events": query.actor_events(the_store, known(name, "actor"))}

    @app.get("/api/export/{fmt}", tags=["api"], response_model=None, responses={
        200: {"description": "acled, polecat: text/csv; plover, json: application/json; plover-jsonl: "
                             "application/x-ndjson; geojson: application/geo+json"}, **schemas.errors(404)})
    @parses_own_query
    def api_export(fmt: str, request: Request, timestamp: Since = None) -> Response:
        """The whole export, or only what the filters select, streamed as it is written. The event formats
        (acled, plover, plover-jsonl, polecat, geojson) take the event list's filters and sort with the names and
        the reading of /api/lists/events (story_id, place in any spelling the gazetteer knows, actor, event_type,
        country, outlet, date_from, date_to, precision, month, actor_type, sort); ``json`` (the stories in full)
        takes the story list's (q, date_from, date_to, place, outlet, event_type); acled also ``timestamp``. An
        unknown parameter is a 422. At most ``[serve] max_concurrent_exports`` run at once; beyond that the
        answer is 429 with Retry-After."""
        from kroniek.export import EXPORTERS
        from kroniek.export.common import ExportOptions, check_filters

        if fmt not in EXPORT_MEDIA:
            raise HTTPException(404, f"unknown export format {fmt!r}; choose from {', '.join(EXPORT_MEDIA)}")
        media, extension = EXPORT_MEDIA[fmt]
        if timestamp is not None and fmt != "acled":
            raise HTTPException(422, "timestamp: only the acled export takes it")
        filters = {name: value for name, value in request.query_params.multi_items() if name != "timestamp"}
        try:
            check_filters(fmt, filters)
        except lists.ListError as error:
            return JSONResponse({"error": error.message, "details": error.details}, status_code=422)
        since = since_seconds(timestamp)
        # the exporter's own defaults unless a timestamp or filters are asked for (an exporter may take no options)
        extra = () if since is None and not filters else (ExportOptions(since=since, filters=filters),)
        return streamed(request, lambda handle: EXPORTERS[fmt](the_store, handle, *extra), media,
                        f"kroniek-{fmt}.{extension}")

    def streamed(request: Request, write: Callable[[Any], Any], media: str, filename: str) -> Response:
        """An export or download streamed as it is written, in one of the export slots (429 when all are taken);
        HEAD runs nothing."""
        headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
        if request.scope.get("kroniek.head"):
            return Response(media_type=media, headers=headers)
        try:
            body = exports.stream(write)
        except Busy:
            return JSONResponse({"error": "too many exports at once; try again shortly"}, status_code=429,
                                headers={"Retry-After": "5"})
        return StreamingResponse(body, media_type=media, headers=headers)

    # --- downloads of what a page shows (kroniek.export.listings) ----------------------------------------------
    # /api/lists/{kind}/export/{fmt}, /api/stories/export/{fmt}, /api/stories/{id}/export/{fmt}: the page's
    # filters and sort, every matching row, the page's columns plus ids; fmt csv, json, geojson, acled.

    from kroniek.export import listings

    templates.env.globals["download_formats"] = listings.FORMATS

    def download_refused(error: listings.DownloadError | lists.ListError) -> JSONResponse:
        return JSONResponse({"error": error.message, "details": error.details}, status_code=422)

    def download_format(kind: str, fmt: str) -> None:
        if fmt not in listings.FORMATS[kind]:
            raise HTTPException(404, f"no {fmt[:20]!r} download of {kind}; choose from "
                                     f"{', '.join(listings.FORMATS[kind])}")

    def acled_of(filters: dict[str, str], include_uncertain: bool = False) -> Callable[[Any], Any]:
        from kroniek.export import EXPORTERS
        from kroniek.export.common import ExportOptions

        options = ExportOptions(filters=filters, include_uncertain=include_uncertain)
        return lambda handle: EXPORTERS["acled"](the_store, handle, options)

    def download_answers(*media: str) -> dict[int | str, dict[str, Any]]:
        return {200: {"description": "csv, acled: text/csv; json: application/json; geojson: application/geo+json",
                      "content": {name: listings.CONTENT[name] for name in media}}, **schemas.errors(404)}

    @app.get("/api/lists/{kind}/export/{fmt}", tags=["api"], response_model=None, response_class=Response,
             responses=download_answers("text/csv", "application/json", "application/geo+json"))
    @parses_own_query
    def api_list_export(kind: str, fmt: str, request: Request) -> Response:
        """Download what the list page /{kind} shows (events, articles, places, actors, outlets) with the same
        filters and sort as the page and /api/lists/{kind}: every matching row, not only one page (so no limit,
        offset or facets), the page's columns plus ids. ``fmt``: csv, json, geojson (events and places: their
        rows with coordinates as RFC 7946 points) or acled (events: the ACLED CSV of /api/export/acled). An
        unknown parameter is a 422."""
        if kind not in listings.LIST_KINDS:
            raise HTTPException(404, f"no list {kind[:40]!r}; choose from {', '.join(listings.LIST_KINDS)}")
        try:
            wanted = listings.list_request(kind, request.query_params.multi_items())
        except listings.DownloadError as error:
            return download_refused(error)
        download_format(kind, fmt)
        write = acled_of(dict(request.query_params)) if fmt == "acled" else (
            lambda handle: listings.WRITERS[fmt](listings.list_rows(the_store, kind, wanted), handle))
        return streamed(request, write, listings.MEDIA[fmt][0], listings.filename(kind, fmt))

    @app.get("/api/stories/export/{fmt}", tags=["api"], response_model=None, response_class=Response,
             responses=download_answers("text/csv", "application/json"))
    @parses_own_query
    def api_stories_export(fmt: str, request: Request) -> Response:
        """Download what the story list /stories shows with the same filters (q, date_from, date_to, place,
        outlet, event_type): every matching story, not only one page, its columns plus ids. ``fmt``: csv or json.
        The stories in full (articles, timeline, figures) are /api/export/json with the same filters."""
        from kroniek.export.common import story_filters

        try:
            filters = story_filters(dict(request.query_params.multi_items()), "the story list download")
        except lists.ListError as error:
            return download_refused(error)
        download_format("stories", fmt)

        def write(handle: Any) -> Any:
            return listings.WRITERS[fmt](listings.story_list_rows(the_store, filters), handle)

        return streamed(request, write, listings.MEDIA[fmt][0], listings.filename("stories", fmt))

    @app.get("/api/stories/{story_id}/export/{fmt}", tags=["api"], response_model=None, response_class=Response,
             responses=download_answers("text/csv", "application/json", "application/geo+json"))
    def api_story_export(request: Request, story_id: str, fmt: str, all_events: Annotated[bool, Query(
            alias="all", description="also the events that did not happen, as the page's toggle")] = False,
                         ) -> Response:
        """Download the events a story page lists, in its timeline order: every one (the page shows the first
        300), the page's columns plus ids; with ``all=true`` also those that did not happen, as the page's toggle.
        ``fmt``: csv, json, geojson (the events with coordinates) or acled (the story's ACLED CSV; ``all=true``
        keeps the rows ACLED would not publish). The story itself in full is /api/stories/{id}."""
        download_format("story", fmt)
        story = query.get_story(the_store, known(story_id, "story"), full_events=False, article_rows=0)
        if story is None:
            raise HTTPException(404, f"no story {story_id!r}")
        rows = listings.story_rows(story, all_events)
        write = acled_of({"story_id": str(story["id"])}, include_uncertain=all_events) if fmt == "acled" else (
            lambda handle: listings.WRITERS[fmt](rows, handle))
        return streamed(request, write, listings.MEDIA[fmt][0], listings.filename("story", fmt, str(story["id"])))

    # --- lists with facets: /events, /articles, /places, /actors, /outlets (kroniek.store.lists) ------------

    templates.env.globals["qs"] = lists.with_params

    def list_json(kind: str, request: Request, default_facets: bool = True) -> Response:
        try:
            wanted = lists.parse(kind, request.query_params.multi_items(), page_size, max_page,
                                 default_facets=default_facets)
        except lists.ListError as error:
            return JSONResponse({"error": error.message, "details": error.details}, status_code=422)
        return JSONResponse(jsonable_encoder(lists.LISTS[kind](the_store, wanted)))

    def only(request: Request, *known: str) -> None:
        """A parameter a route does not take would be silently ignored (a typo'd filter shows everything): a 422."""
        unknown = sorted({name for name in request.query_params if name not in known})
        if unknown:
            names = ", ".join(repr(name[:40]) for name in unknown[:10])
            raise HTTPException(422, f"unknown parameter{'s' if len(unknown) > 1 else ''} {names}; this route "
                                     f"takes {', '.join(known)}")

    def list_page(kind: str, request: Request) -> Response:
        try:
            wanted = lists.parse(kind, request.query_params.multi_items(), page_size, max_page)
        except lists.ListError as error:  # a person reads a page: the error is one too
            return templates.TemplateResponse(request, "error.html", {
                "status": 422, "detail": error.message, "problems": error.details}, status_code=422)
        return templates.TemplateResponse(request, f"{kind}.html", {
            "result": lists.LISTS[kind](the_store, wanted), "params": wanted.given, "kind": kind})

    @app.get("/api/lists/{kind}", tags=["api"], response_model=None, responses=answers(schemas.ListPage, 404))
    @parses_own_query
    def api_list(kind: str, request: Request) -> Response:
        """What the list page ``/{kind}`` shows (events, articles, places, actors, outlets): items, total, paging,
        ``sort`` and ``facets`` (counts over the whole filtered set). Unknown parameters are a 422."""
        if kind not in lists.SPECS:
            raise HTTPException(404, f"no list {kind[:40]!r}; choose from {', '.join(lists.SPECS)}")
        return list_json(kind, request)

    @app.get("/api/suggest", tags=["api"], response_model=None, responses=answers(schemas.Suggestions))
    def api_suggest(kind: Annotated[Literal["place", "actor", "outlet", "event_type"], Query()],
                    prefix: Annotated[str, Query(min_length=1, max_length=200)]) -> dict[str, Any]:
        """Names in the store starting with ``prefix`` for the filters' pick-lists (places in any spelling the
        gazetteer knows), most used first, at most 15."""
        try:
            return {"kind": kind, "prefix": prefix, "items": lists.suggest(the_store, kind, prefix)}
        except lists.ListError as error:
            raise HTTPException(422, error.message) from error

    @app.get("/events", response_class=HTMLResponse, include_in_schema=False)
    @parses_own_query
    def events_page(request: Request) -> Response:
        return list_page("events", request)

    @app.get("/articles", response_class=HTMLResponse, include_in_schema=False)
    @parses_own_query
    def articles_page(request: Request) -> Response:
        return list_page("articles", request)

    @app.get("/places", response_class=HTMLResponse, include_in_schema=False)
    @parses_own_query
    def places_page(request: Request) -> Response:
        return list_page("places", request)

    @app.get("/actors", response_class=HTMLResponse, include_in_schema=False)
    @parses_own_query
    def actors_page(request: Request) -> Response:
        return list_page("actors", request)

    @app.get("/outlets", response_class=HTMLResponse, include_in_schema=False)
    @parses_own_query
    def outlets_page(request: Request) -> Response:
        return list_page("outlets", request)

    # --- pages ------------------------------------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    @app.get("/stories", response_class=HTMLResponse, include_in_schema=False)
    def stories_page(request: Request, q: Text = None, date_from: Day = None, date_to: Day = None,
                     place: Text = None, outlet: Text = None, event_type: Text = None, limit: Limit = page_size,
                     offset: Offset = 0) -> Response:
        filters = story_filters(q, date_from, date_to, place, outlet, event_type)
        items = query.list_stories(the_store, limit=limit, offset=offset, events_per_story=0, **filters)
        total = query.count_stories(the_store, **filters)
        return templates.TemplateResponse(request, "stories.html", {
            "stories": items, "total": total, "filters": filters, "limit": limit, "offset": offset,
            "next_offset": offset + limit if offset + limit < total else None,
            "prev_offset": max(0, offset - limit) if offset else None})

    @app.get("/search", response_class=HTMLResponse, include_in_schema=False)
    def search_page(request: Request, q: Text = None, limit: Annotated[int, Query(ge=1, le=100)] = 20,
                    offset: Offset = 0) -> Response:
        found: dict[str, Any] | None = None
        problem = None
        if q and q.strip():
            try:
                found = search.search(the_store, q, limit=limit, offset=offset)
            except search.SearchError as error:
                problem = str(error)
        return templates.TemplateResponse(request, "search.html", {
            "q": q or "", "found": found, "problem": problem, "limit": limit,
            "prev_offset": max(0, offset - limit) if offset else None}, status_code=422 if problem else 200)

    @app.get("/stories/{story_id}", response_class=HTMLResponse, include_in_schema=False)
    def story_page(request: Request, story_id: str, all_events: Annotated[bool, Query(
            alias="all", description="also the events that did not happen (negated, hypothetical, future, "
                                     "historical, referred)")] = False) -> Response:
        story = query.get_story(the_store, known(story_id, "story"), full_events=False, article_rows=PAGE_ROWS)
        if story is None:
            raise HTTPException(404, f"no story {story_id!r}")
        # A story can run to thousands of articles: the page shows the first PAGE_ROWS events and articles in
        # timeline and arrival order (only those articles are read; coverage and names are counted over all of
        # them) and says how many more the JSON has; the map takes every event.
        return templates.TemplateResponse(request, "story.html", {
            "story": story, "svgmap": maps.render(story.get("events", [])), "page_rows": PAGE_ROWS,
            "show_all": all_events})

    @app.get("/claims/{claim_id}", response_class=HTMLResponse, include_in_schema=False)
    def claim_page(request: Request, claim_id: str) -> Response:
        """A figure's sentence in its article, the number marked: every figure on a page links here."""
        from kroniek.model import document_text
        from kroniek.store import dates, timeline

        claim = timeline.get_claim(the_store, known(claim_id, "claim"))
        article = the_store.get_article(str(claim["article_id"])) if claim is not None else None
        if claim is None or article is None:
            raise HTTPException(404, f"no figure {claim_id!r}")
        from kroniek.serve.evidence import mark_text

        text = document_text(article)
        start, end = int(claim.get("start") or 0), int(claim.get("end") or 0)
        lo, hi = timeline.sentence_bounds(text, start, end)
        spans = [(start, end, "number")]
        for source in claim.get("source_spans") or []:  # the attributing words, in the sentence or the one before
            s_start, s_end = int(source.get("start") or 0), int(source.get("end") or 0)
            if 0 <= s_start < s_end <= len(text) and text[s_start:s_end] == source.get("text"):
                spans.append((s_start, s_end, "source"))
                s_lo, s_hi = timeline.sentence_bounds(text, s_start, s_end)
                lo, hi = min(lo, s_lo), max(hi, s_hi)
        marked = mark_text(text[lo:hi], [{"start": a - lo, "end": b - lo, "field": f} for a, b, f in spans])
        published = article.published
        return templates.TemplateResponse(request, "claim.html", {
            "claim": claim, "article": article, "marked": marked,
            "clipped_start": lo > 0, "clipped_end": hi < len(text), "published": dates.display_published(
                published.iso(), published.precision.value) if published else "undated"})

    @app.get("/events/{event_id}", response_class=HTMLResponse, include_in_schema=False)
    def event_page(request: Request, event_id: str) -> Response:
        event = query.get_event(the_store, known(event_id, "event"))
        if event is None:
            raise HTTPException(404, f"no event {event_id!r}")
        from kroniek.model import document_text
        from kroniek.serve.evidence import mark_text

        evidence = []
        for mention in event.get("mentions", []):
            article = the_store.get_article(mention["article_id"])
            if article is None:
                continue
            text = document_text(article)
            spans = list(mention.get("evidence", []))
            sentence_spans = [s for s in spans if s.get("field") == "trigger"] or spans
            lo = max(0, min((int(s["start"]) for s in sentence_spans), default=0) - 400)
            hi = min(len(text), max((int(s["end"]) for s in sentence_spans), default=0) + 400)
            # the figures of this mention, and any other in its sentence, each linking to its claim page
            for claim in the_store.claims([article.id]):
                if claim.event_id == mention.get("mention_id") or claim.sentence == mention.get("sentence"):
                    spans.append({"start": claim.start, "end": claim.end, "field": "figure",
                                  "href": f"/claims/{claim.id}", "title": f"{claim.kind}: {claim.text}"})
            shifted = [dict(s, start=int(s["start"]) - lo, end=int(s["end"]) - lo) for s in spans
                       if lo <= int(s["start"]) and int(s["end"]) <= hi]
            evidence.append({"mention": mention, "article": article, "marked": mark_text(text[lo:hi], shifted),
                             "clipped_start": lo > 0, "clipped_end": hi < len(text)})
        return templates.TemplateResponse(request, "event.html", {
            "event": event, "evidence": evidence, "svgmap": maps.render([event])})

    @app.get("/articles/{article_id}", response_class=HTMLResponse, include_in_schema=False)
    def article_page(request: Request, article_id: str) -> Response:
        stored = query.resolve_article_id(the_store, known(article_id, "article"))  # exact: no prefixes
        article = the_store.get_article(stored) if stored is not None else None
        if article is None:
            raise HTTPException(404, f"no article {article_id!r}")
        return templates.TemplateResponse(request, "article.html", {
            "article": article, "events": [e.to_dict() for e in the_store.mentions([article.id])],
            "figures": [c.to_dict() for c in the_store.claims([article.id])],
            "versions": the_store.article_versions(article.id)})

    @app.get("/places/{name}", response_class=HTMLResponse, include_in_schema=False)
    def place_page(request: Request, name: str) -> Response:
        events = query.place_events(the_store, known(name, "place"))
        return templates.TemplateResponse(request, "listing.html", {
            "heading": f"Place: {name}", "events": events, "svgmap": maps.render(events)})

    @app.get("/actors/{name}", response_class=HTMLResponse, include_in_schema=False)
    def actor_page(request: Request, name: str) -> Response:
        events = query.actor_events(the_store, known(name, "actor"))
        return templates.TemplateResponse(request, "listing.html", {
            "heading": f"Actor: {name}", "events": events, "svgmap": maps.render(events)})

    # --- the map: GeoJSON of the events shown (read by static/map.js) and the /map page ---------------------

    MapLimit = Annotated[int, Query(ge=1, le=maps.MAP_MAX_LIMIT, description="events read for the map")]

    def map_events(story_id: str | None, place: str | None, actor: str | None, event_type: str | None,
                   date_from: dt.date | None, date_to: dt.date | None,
                   limit: int) -> tuple[Sequence[Mapping[str, Any]], int, dict[str, Any]]:
        """The events of one map (the filters of /api/events) and how many matched in all."""
        if date_from and date_to and date_from > date_to:
            raise HTTPException(422, "date_from is after date_to")
        filters: dict[str, Any] = {"story_id": story_id or None, "place": place or None, "actor": actor or None,
                                   "event_type": event_type or None,
                                   "date_from": date_from.isoformat() if date_from else None,
                                   "date_to": date_to.isoformat() if date_to else None}
        events, total = lists.map_events(the_store, limit, **filters)  # the few fields a marker shows
        return events, total, filters

    @app.get("/api/map", tags=["api"], response_model=None, responses={
        200: {"model": schemas.MapCollection, "content": {"application/geo+json": {}}}, **schemas.errors()})
    def api_map(story_id: Text = None, place: Text = None, actor: Text = None, event_type: Text = None,
                date_from: Day = None, date_to: Day = None, limit: MapLimit = maps.MAP_LIMIT) -> JSONResponse:
        """The events of a map as GeoJSON points (longitude first), with the filters of /api/events. ``total``
        counts the matching events, ``unlocated`` those without coordinates, ``truncated`` says more matched
        than ``limit``; ``legend`` lists the event types shown with their counts. A ``date_from`` after
        ``date_to`` is a 422."""
        events, total, _filters = map_events(story_id, place, actor, event_type, date_from, date_to, limit)
        return JSONResponse(maps.feature_collection(events, total), media_type="application/geo+json")

    @app.get("/map", response_class=HTMLResponse, include_in_schema=False)
    def map_page(request: Request, story_id: Text = None, place: Text = None, actor: Text = None,
                 event_type: Text = None, date_from: Day = None, date_to: Day = None) -> Response:
        from urllib.parse import urlencode

        # The page reads only what its no-script SVG map shows (an SVG of thousands of links would be megabytes);
        # the script fetches the events themselves from /api/map with the same filters.
        events, total, filters = map_events(story_id, place, actor, event_type, date_from, date_to,
                                            maps.SVG_MAP_EVENTS)
        api_url = "/api/map?" + urlencode({k: v for k, v in filters.items() if v})
        return templates.TemplateResponse(request, "map.html", {
            "filters": filters, "total": total, "api_url": api_url.rstrip("?"), "event_types": maps.EVENT_TYPES,
            "svgmap": maps.render(events), "svg_cut": len(events) if total > len(events) else None})

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    def docs(request: Request) -> Response:
        """The API described from its own OpenAPI document, served here: Swagger UI would load from a CDN."""
        return templates.TemplateResponse(request, "docs.html", {"routes": api_reference(app.openapi())})

    @app.get("/healthz", include_in_schema=False)
    def health() -> PlainTextResponse:
        return PlainTextResponse("ok")

    return app

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
from collections.abc import Awaitable, Callable
from importlib import resources
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    Response,
    StreamingResponse,
)
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BeforeValidator
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from kroniek.config import Settings, load_settings
from kroniek.serve import maps
from kroniek.serve.guard import BodyGuard, Busy, Exports, Gate
from kroniek.store import lists, query, search
from kroniek.store.repository import Store

STORY_PARAMETERS = ("q", "date_from", "date_to", "place", "outlet", "event_type", "limit", "offset")
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


def highlight(text: str, spans: list[dict[str, Any]]) -> list[tuple[str, str | None]]:
    """Cut text into (segment, field-or-None) pieces so the template can wrap evidence in <mark> safely."""
    cuts = sorted((int(s["start"]), int(s["end"]), str(s.get("field", ""))) for s in spans
                  if 0 <= int(s["start"]) < int(s["end"]) <= len(text))
    pieces: list[tuple[str, str | None]] = []
    cursor = 0
    for start, end, field in cuts:
        if start < cursor:
            continue  # overlapping evidence: the first span wins
        if start > cursor:
            pieces.append((text[cursor:start], None))
        pieces.append((text[start:end], field))
        cursor = end
    if cursor < len(text):
        pieces.append((text[cursor:], None))
    return pieces


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
                kinds = [s.get("type", "") for s in schema.get("anyOf", [schema]) if s.get("type") != "null"]
                limits = {k: v for k, v in schema.items() if k in ("minimum", "maximum", "maxLength", "minLength")}
                for option in schema.get("anyOf", []):
                    limits.update({k: v for k, v in option.items() if k in ("maxLength", "minLength")})
                parameters.append({"name": parameter["name"], "in": parameter.get("in", ""),
                                   "required": parameter.get("required", False), "type": " | ".join(kinds),
                                   "default": schema.get("default"), "limits": limits,
                                   "description": parameter.get("description") or schema.get("description", "")})
            rows.append({"method": method.upper(), "path": path, "summary": operation.get("summary", ""),
                         "description": operation.get("description", ""), "parameters": parameters,
                         "responses": sorted(operation.get("responses", {}))})
    return rows


def blank_is_none(value: Any) -> Any:
    """An empty field of the filter form (``date_from=``) means no filter, not a bad date."""
    return None if value == "" else value


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
    app = FastAPI(title="kroniek", version="0.1.0", docs_url=None, redoc_url=None,
                  description="Stories, events and source-attributed figures from dated news articles.")
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
            return JSONResponse({"error": "kroniek serve is read-only (start it with --write-token to accept "
                                          "articles at POST /api/articles)"}, status_code=405)
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
    Day = Annotated[dt.date | None, BeforeValidator(blank_is_none), Query(description="YYYY-MM-DD")]

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

    @app.get("/api/stories", tags=["api"])
    def api_stories(request: Request, q: Text = None, date_from: Day = None, date_to: Day = None,
                    place: Text = None, outlet: Text = None, event_type: Text = None, limit: Limit = page_size,
                    offset: Offset = 0, full: StoriesFull = False) -> dict[str, Any]:
        """Stories, most recently active first. Items have the story's fields and ``event_count``; ``full=true``
        adds ``events``, the story's latest 20 events as summaries. One story with all its events and articles
        is at /api/stories/{id}."""
        only(request, *STORY_PARAMETERS, "full")
        filters = story_filters(q, date_from, date_to, place, outlet, event_type)
        items = query.list_stories(the_store, limit=limit, offset=offset,
                                   events_per_story=LIST_EVENTS if full else 0, **filters)
        return page(items, query.count_stories(the_store, **filters), limit, offset)

    @app.get("/api/stories/{story_id}", tags=["api"])
    def api_story(story_id: str, full: Full = False) -> dict[str, Any]:
        """One story with all its articles and events; events are summaries unless ``full=true``."""
        story = query.get_story(the_store, known(story_id, "story"), full_events=full)
        if story is None:
            raise HTTPException(404, f"no story {story_id!r}")
        return story

    @app.get("/api/events", tags=["api"])
    def api_events(request: Request, story_id: Text = None, place: Text = None, actor: Text = None,
                   event_type: Text = None, date_from: Day = None, date_to: Day = None, limit: Limit = page_size,
                   offset: Offset = 0, full: Full = False) -> Response:
        """Events in timeline order. Items are summaries (no ``mentions``: see ``mention_count``) unless
        ``full=true``; one event in full is at /api/events/{id}. Also takes the event list's other filters
        (outlet, country, precision, month, actor_type), ``sort`` and ``facets`` (see /api/lists/events)."""
        return list_json("events", request, default_facets=False)

    Since = Annotated[str | None, Query(max_length=40, description="Unix seconds or an ISO date/time: only what "
                                        "changed (was deleted) at or after it, as ACLED's API filters")]

    def since_seconds(timestamp: str | None) -> int | None:
        from kroniek.export.common import parse_since

        try:
            return None if timestamp is None else parse_since(timestamp)
        except ValueError as error:
            raise HTTPException(422, f"timestamp: {error}") from None

    @app.get("/api/events/deleted", tags=["api"])
    def api_deleted_events(timestamp: Since = None, limit: Annotated[int, Query(ge=1, le=5000)] = 5000,
                           offset: Offset = 0) -> list[dict[str, Any]]:
        """ACLED's deletion feed: ``event_id_cnty`` and ``deleted_timestamp`` (Unix seconds) of every id that left
        the ACLED export, oldest first; page with ``limit``/``offset`` until a page is shorter than ``limit``."""
        return query.deleted_ids(the_store, since=since_seconds(timestamp), limit=limit, offset=offset)

    @app.get("/api/events/{event_id}", tags=["api"])
    def api_event(event_id: str) -> dict[str, Any]:
        event = query.get_event(the_store, known(event_id, "event"))
        if event is None:
            raise HTTPException(404, f"no event {event_id!r}")
        return event

    @app.get("/api/articles", tags=["api"])
    def api_articles(request: Request, outlet: Text = None, limit: Limit = page_size,
                     offset: Offset = 0) -> Response:
        """Articles in arrival order, without their text (``display_title``: the title, or an untitled article's
        first sentence). Also takes the article list's filters, ``sort`` and ``facets`` (see /api/lists/articles)."""
        return list_json("articles", request, default_facets=False)

    @app.get("/api/articles/{article_id}", tags=["api"])
    def api_article(article_id: str) -> dict[str, Any]:
        stored = query.resolve_article_id(the_store, known(article_id, "article"))  # exact: no prefixes
        article = the_store.get_article(stored) if stored is not None else None
        if article is None:
            raise HTTPException(404, f"no article {article_id!r}")
        return article.to_dict() | {"events": [e.to_dict() for e in the_store.mentions([article.id])],
                                    "figures": [c.to_dict() for c in the_store.claims([article.id])]}

    @app.post("/api/articles", tags=["api"], status_code=201, include_in_schema=bool(write_token))
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

    @app.get("/api/search", tags=["api"])
    def api_search(request: Request, q: Annotated[str, Query(min_length=1, max_length=200, description=SEARCH_HELP)],
                   limit: Annotated[int, Query(ge=1, le=100)] = 20, offset: Offset = 0) -> dict[str, Any]:
        """Full-text search over article titles and texts, grouped by story, with the matching sentences."""
        only(request, "q", "limit", "offset")
        try:
            return search.search(the_store, q, limit=limit, offset=offset)
        except search.SearchError as error:
            raise HTTPException(422, str(error)) from error

    @app.get("/api/places", tags=["api"])
    def api_places(request: Request) -> list[dict[str, Any]]:
        """Every place with its events; paged, sorted and with facets at /api/lists/places."""
        refuse_parameters(request, "places")
        return query.list_places(the_store)

    @app.get("/api/places/{name}", tags=["api"])
    def api_place(name: str) -> dict[str, Any]:
        return {"place": name, "events": query.place_events(the_store, known(name, "place"))}

    @app.get("/api/actors", tags=["api"])
    def api_actors(request: Request) -> list[dict[str, Any]]:
        """Every actor with its events; paged, sorted and with facets at /api/lists/actors."""
        refuse_parameters(request, "actors")
        return query.list_actors(the_store)

    @app.get("/api/actors/{name}", tags=["api"])
    def api_actor(name: str) -> dict[str, Any]:
        return {"actor": name, "events": query.actor_events(the_store, known(name, "actor"))}

    @app.get("/api/export/{fmt}", tags=["api"])
    def api_export(fmt: str, request: Request, timestamp: Since = None) -> Response:
        """The whole export, streamed as it is written. At most ``[serve] max_concurrent_exports`` run at once;
        beyond that the answer is 429 with Retry-After."""
        from kroniek.export import EXPORTERS
        from kroniek.export.common import ExportOptions

        if fmt not in EXPORT_MEDIA:
            raise HTTPException(404, f"unknown export format {fmt!r}; choose from {', '.join(EXPORT_MEDIA)}")
        media, extension = EXPORT_MEDIA[fmt]
        if timestamp is not None and fmt != "acled":
            raise HTTPException(422, "timestamp: only the acled export takes it")
        since = since_seconds(timestamp)
        # the exporter's own defaults unless a timestamp is asked for (an exporter may take no options)
        extra = () if since is None else (ExportOptions(since=since),)
        headers = {"Content-Disposition": f'attachment; filename="kroniek-{fmt}.{extension}"'}
        if request.scope.get("kroniek.head"):
            return Response(media_type=media, headers=headers)
        try:
            body = exports.stream(lambda handle: EXPORTERS[fmt](the_store, handle, *extra))
        except Busy:
            return JSONResponse({"error": "too many exports at once; try again shortly"}, status_code=429,
                                headers={"Retry-After": "5"})
        return StreamingResponse(body, media_type=media, headers=headers)

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

    def refuse_parameters(request: Request, kind: str) -> None:
        """The whole lists take no parameter: one given would be silently ignored, so it is a 422."""
        if request.query_params:
            names = ", ".join(repr(name[:40]) for name in list(request.query_params)[:10])
            raise HTTPException(422, f"unknown parameters {names}: this list takes none; /api/lists/{kind} "
                                     "filters, sorts and pages")

    def list_page(kind: str, request: Request) -> Response:
        try:
            wanted = lists.parse(kind, request.query_params.multi_items(), page_size, max_page)
        except lists.ListError as error:  # a person reads a page: the error is one too
            return templates.TemplateResponse(request, "error.html", {
                "status": 422, "detail": error.message, "problems": error.details}, status_code=422)
        return templates.TemplateResponse(request, f"{kind}.html", {
            "result": lists.LISTS[kind](the_store, wanted), "params": wanted.given, "kind": kind})

    @app.get("/api/lists/{kind}", tags=["api"])
    def api_list(kind: str, request: Request) -> Response:
        """What the list page ``/{kind}`` shows (events, articles, places, actors, outlets): items, total, paging,
        ``sort`` and ``facets`` (counts over the whole filtered set). Unknown parameters are a 422."""
        if kind not in lists.SPECS:
            raise HTTPException(404, f"no list {kind[:40]!r}; choose from {', '.join(lists.SPECS)}")
        return list_json(kind, request)

    @app.get("/api/suggest", tags=["api"])
    def api_suggest(kind: Annotated[str, Query(max_length=20, description=", ".join(lists.SUGGEST_KINDS))],
                    prefix: Annotated[str, Query(min_length=1, max_length=200)]) -> dict[str, Any]:
        """Names in the store starting with ``prefix`` for the filters' pick-lists (places in any spelling the
        gazetteer knows), most used first, at most 15."""
        try:
            return {"kind": kind, "prefix": prefix, "items": lists.suggest(the_store, kind, prefix)}
        except lists.ListError as error:
            raise HTTPException(422, error.message) from error

    @app.get("/events", response_class=HTMLResponse, include_in_schema=False)
    def events_page(request: Request) -> Response:
        return list_page("events", request)

    @app.get("/articles", response_class=HTMLResponse, include_in_schema=False)
    def articles_page(request: Request) -> Response:
        return list_page("articles", request)

    @app.get("/places", response_class=HTMLResponse, include_in_schema=False)
    def places_page(request: Request) -> Response:
        return list_page("places", request)

    @app.get("/actors", response_class=HTMLResponse, include_in_schema=False)
    def actors_page(request: Request) -> Response:
        return list_page("actors", request)

    @app.get("/outlets", response_class=HTMLResponse, include_in_schema=False)
    def outlets_page(request: Request) -> Response:
        return list_page("outlets", request)

    # --- pages ------------------------------------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    @app.get("/stories", response_class=HTMLResponse, include_in_schema=False)
    def stories_page(request: Request, q: Text = None, date_from: Day = None, date_to: Day = None,
                     place: Text = None, outlet: Text = None, event_type: Text = None, limit: Limit = page_size,
                     offset: Offset = 0) -> Response:
        only(request, *STORY_PARAMETERS)
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
        only(request, "q", "limit", "offset")
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
        text = document_text(article)
        start, end = int(claim.get("start") or 0), int(claim.get("end") or 0)
        lo, hi = timeline.sentence_bounds(text, start, end)
        pieces = highlight(text[lo:hi], [{"start": start - lo, "end": end - lo, "field": "number"}])
        published = article.published
        return templates.TemplateResponse(request, "claim.html", {
            "claim": claim, "article": article, "pieces": pieces, "clipped_start": lo > 0,
            "clipped_end": hi < len(text), "published": dates.display_published(
                published.iso(), published.precision.value) if published else "undated"})

    @app.get("/events/{event_id}", response_class=HTMLResponse, include_in_schema=False)
    def event_page(request: Request, event_id: str) -> Response:
        event = query.get_event(the_store, known(event_id, "event"))
        if event is None:
            raise HTTPException(404, f"no event {event_id!r}")
        evidence = []
        for mention in event.get("mentions", []):
            article = the_store.get_article(mention["article_id"])
            if article is None:
                continue
            from kroniek.model import document_text

            text = document_text(article)
            spans = mention.get("evidence", [])
            sentence_spans = [s for s in spans if s.get("field") == "trigger"] or spans
            lo = max(0, min((int(s["start"]) for s in sentence_spans), default=0) - 400)
            hi = min(len(text), max((int(s["end"]) for s in sentence_spans), default=0) + 400)
            shifted = [dict(s, start=int(s["start"]) - lo, end=int(s["end"]) - lo) for s in spans
                       if lo <= int(s["start"]) and int(s["end"]) <= hi]
            evidence.append({"mention": mention, "article": article, "pieces": highlight(text[lo:hi], shifted),
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
                   limit: int) -> tuple[list[dict[str, Any]], int, dict[str, Any]]:
        """The events of one map (the filters of /api/events) and how many matched in all."""
        if date_from and date_to and date_from > date_to:
            raise HTTPException(422, "date_from is after date_to")
        filters: dict[str, Any] = {"story_id": story_id or None, "place": place or None, "actor": actor or None,
                                   "event_type": event_type or None,
                                   "date_from": date_from.isoformat() if date_from else None,
                                   "date_to": date_to.isoformat() if date_to else None}
        events = query.list_events(the_store, limit=limit, full=False, **filters)
        total = len(events) if len(events) < limit else query.count_events(the_store, **filters)
        return events, total, filters

    @app.get("/api/map", tags=["api"])
    def api_map(story_id: Text = None, place: Text = None, actor: Text = None, event_type: Text = None,
                date_from: Day = None, date_to: Day = None, limit: MapLimit = maps.MAP_LIMIT) -> JSONResponse:
        """The events of a map as GeoJSON points (longitude first), with the filters of /api/events. ``total``
        counts the matching events, ``unlocated`` those without coordinates, ``truncated`` says more matched
        than ``limit``; ``legend`` lists the event types shown with their counts."""
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

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
import io
import json
from collections.abc import Awaitable, Callable
from importlib import resources
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlsplit

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BeforeValidator
from starlette.exceptions import HTTPException as StarletteHTTPException

from kroniek.config import Settings, load_settings
from kroniek.serve import maps
from kroniek.store import query
from kroniek.store.repository import Store

CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; script-src 'self'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")

EXPORT_MEDIA = {"acled": ("text/csv", "csv"), "plover": ("application/json", "json"),
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
        response = await call_next(request)
        if head:
            response = Response(status_code=response.status_code, headers=dict(response.headers))
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        return response

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [f"{'.'.join(str(p) for p in e['loc'][1:])}: {e['msg']}" for e in exc.errors()]
        return JSONResponse({"error": "invalid parameters", "details": problems}, status_code=422)

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
    def api_stories(q: Text = None, date_from: Day = None, date_to: Day = None, place: Text = None,
                    outlet: Text = None, event_type: Text = None, limit: Limit = page_size,
                    offset: Offset = 0, full: StoriesFull = False) -> dict[str, Any]:
        """Stories, most recently active first. Items have the story's fields and ``event_count``; ``full=true``
        adds ``events``, the story's latest 20 events as summaries. One story with all its events and articles
        is at /api/stories/{id}."""
        filters = story_filters(q, date_from, date_to, place, outlet, event_type)
        items = query.list_stories(the_store, limit=limit, offset=offset,
                                   events_per_story=LIST_EVENTS if full else 0, **filters)
        return page(items, query.count_stories(the_store, **filters), limit, offset)

    @app.get("/api/stories/{story_id}", tags=["api"])
    def api_story(story_id: str, full: Full = False) -> dict[str, Any]:
        """One story with all its articles and events; events are summaries unless ``full=true``."""
        story = query.get_story(the_store, story_id, full_events=full)
        if story is None:
            raise HTTPException(404, f"no story {story_id!r}")
        return story

    @app.get("/api/events", tags=["api"])
    def api_events(story_id: Text = None, place: Text = None, actor: Text = None, event_type: Text = None,
                   date_from: Day = None, date_to: Day = None, limit: Limit = page_size,
                   offset: Offset = 0, full: Full = False) -> dict[str, Any]:
        """Events in timeline order. Items are summaries (no ``mentions``: see ``mention_count``) unless
        ``full=true``; one event in full is at /api/events/{id}."""
        if date_from and date_to and date_from > date_to:
            raise HTTPException(422, "date_from is after date_to")
        filters: dict[str, Any] = {"story_id": story_id, "place": place, "actor": actor, "event_type": event_type,
                                   "date_from": date_from.isoformat() if date_from else None,
                                   "date_to": date_to.isoformat() if date_to else None}
        items = query.list_events(the_store, limit=limit, offset=offset, full=full, **filters)
        return page(items, query.count_events(the_store, **filters), limit, offset)

    @app.get("/api/events/deleted", tags=["api"])
    def api_deleted_events() -> list[dict[str, Any]]:
        return query.deleted_events(the_store)

    @app.get("/api/events/{event_id}", tags=["api"])
    def api_event(event_id: str) -> dict[str, Any]:
        event = query.get_event(the_store, event_id)
        if event is None:
            raise HTTPException(404, f"no event {event_id!r}")
        return event

    @app.get("/api/articles", tags=["api"])
    def api_articles(outlet: Text = None, limit: Limit = page_size, offset: Offset = 0) -> dict[str, Any]:
        items = [{k: v for k, v in a.to_dict().items() if k != "text"}
                 for a in the_store.articles(limit=limit, offset=offset, outlet=outlet)]
        return page(items, the_store.count_articles(outlet=outlet), limit, offset)

    @app.get("/api/articles/{article_id}", tags=["api"])
    def api_article(article_id: str) -> dict[str, Any]:
        article = the_store.get_article(article_id)
        if article is None:
            raise HTTPException(404, f"no article {article_id!r}")
        return article.to_dict() | {"events": [e.to_dict() for e in the_store.mentions([article.id])],
                                    "figures": [c.to_dict() for c in the_store.claims([article.id])]}

    @app.post("/api/articles", tags=["api"], status_code=201, include_in_schema=bool(write_token))
    async def api_add_articles(request: Request) -> JSONResponse:
        """Store articles: a JSON list of objects with ``id, outlet, url, title, text, published_at``. Each bad
        record is reported by its index with the reason; the good ones are stored (in one transaction)."""
        from kroniek.ingest.base import ReadOptions
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
        try:
            records = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as error:
            return JSONResponse({"error": f"body is not JSON: {error}"}, status_code=400)
        if not isinstance(records, list) or len(records) > page_size * 20:
            return JSONResponse({"error": f"body must be a JSON list of at most {page_size * 20} articles"},
                                status_code=400)
        options = ReadOptions(max_article_bytes=int(settings.get("ingest", "max_article_bytes", 2_000_000)))
        good: list[Article] = []
        rejected: list[str] = []
        for index, record in enumerate(records):
            if not isinstance(record, dict):
                rejected.append(f"request:{index}: an article must be a JSON object")
                continue
            built = build_article(record, options, "request", index)
            if isinstance(built, Article):
                good.append(built)
            else:
                rejected.append(str(built))
        result = the_store.ingest_batch(good) if good else None
        summary = {"received": len(records), "rejected": rejected,
                   "stored": result.to_dict() if result is not None else {}}
        return JSONResponse(summary, status_code=201 if good and not rejected else 422 if not good else 207)

    @app.get("/api/places", tags=["api"])
    def api_places() -> list[dict[str, Any]]:
        return query.list_places(the_store)

    @app.get("/api/places/{name}", tags=["api"])
    def api_place(name: str) -> dict[str, Any]:
        return {"place": name, "events": query.place_events(the_store, name)}

    @app.get("/api/actors", tags=["api"])
    def api_actors() -> list[dict[str, Any]]:
        return query.list_actors(the_store)

    @app.get("/api/actors/{name}", tags=["api"])
    def api_actor(name: str) -> dict[str, Any]:
        return {"actor": name, "events": query.actor_events(the_store, name)}

    @app.get("/api/export/{fmt}", tags=["api"])
    def api_export(fmt: str) -> Response:
        from kroniek.export import EXPORTERS

        if fmt not in EXPORT_MEDIA:
            raise HTTPException(404, f"unknown export format {fmt!r}; choose from {', '.join(EXPORT_MEDIA)}")
        buffer = io.StringIO()
        EXPORTERS[fmt](the_store, buffer)
        media, extension = EXPORT_MEDIA[fmt]
        return Response(buffer.getvalue(), media_type=media,
                        headers={"Content-Disposition": f'attachment; filename="kroniek-{fmt}.{extension}"'})

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

    @app.get("/stories/{story_id}", response_class=HTMLResponse, include_in_schema=False)
    def story_page(request: Request, story_id: str) -> Response:
        story = query.get_story(the_store, story_id, full_events=False, article_rows=PAGE_ROWS)
        if story is None:
            raise HTTPException(404, f"no story {story_id!r}")
        # A story can run to thousands of articles: the page shows the first PAGE_ROWS events and articles in
        # timeline and arrival order (only those articles are read; coverage and names are counted over all of
        # them) and says how many more the JSON has; the map takes every event.
        return templates.TemplateResponse(request, "story.html", {
            "story": story, "svgmap": maps.render(story.get("events", [])), "page_rows": PAGE_ROWS})

    @app.get("/events/{event_id}", response_class=HTMLResponse, include_in_schema=False)
    def event_page(request: Request, event_id: str) -> Response:
        event = query.get_event(the_store, event_id)
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
        article = the_store.get_article(article_id)
        if article is None:
            raise HTTPException(404, f"no article {article_id!r}")
        return templates.TemplateResponse(request, "article.html", {
            "article": article, "events": [e.to_dict() for e in the_store.mentions([article.id])],
            "figures": [c.to_dict() for c in the_store.claims([article.id])],
            "versions": the_store.article_versions(article.id)})

    @app.get("/places/{name}", response_class=HTMLResponse, include_in_schema=False)
    def place_page(request: Request, name: str) -> Response:
        events = query.place_events(the_store, name)
        return templates.TemplateResponse(request, "listing.html", {
            "heading": f"Place: {name}", "events": events, "svgmap": maps.render(events)})

    @app.get("/actors/{name}", response_class=HTMLResponse, include_in_schema=False)
    def actor_page(request: Request, name: str) -> Response:
        events = query.actor_events(the_store, name)
        return templates.TemplateResponse(request, "listing.html", {
            "heading": f"Actor: {name}", "events": events, "svgmap": maps.render(events)})

    @app.get("/docs", include_in_schema=False)
    def docs() -> RedirectResponse:
        return RedirectResponse("/openapi.json")

    @app.get("/healthz", include_in_schema=False)
    def health() -> PlainTextResponse:
        return PlainTextResponse("ok")

    return app

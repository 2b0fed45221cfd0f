"""Anonymous product reads answered from the cache, before DRF and the database.

Anonymous GETs of products are most of the traffic. When the cache can answer one, it is
answered here with one Redis call that also counts it; anything else (a list page not cached
yet, a 404, a filter error, a logged-in client, HEAD, the cache off or Redis down) goes to the
DRF view, which defines the API's behaviour. These views only short-cut it, and give the same
bodies: a test compares them.
"""

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.settings import api_settings

from catalog_service.analytics.counters import (
    IMPRESSION,
    VIEW,
    impression_counter,
    product_reads_record,
    view_counter,
)
from catalog_service.core.pagination import IdCursorPagination, PageNumberPagination
from catalog_service.core.redis import UNAVAILABLE, redis_failed, redis_shared
from catalog_service.core.throttling import AnonymousReadThrottle

from . import cache as product_cache
from .filters import ProductFilter
from .selectors import product_list, products_by_id

View = Callable[..., HttpResponse]

# The query parameters that change a product list's answer (filters, search, order, page); the
# API reads the last value of each. Anything else is dropped before the view sees the request.
_FILTERS = tuple(ProductFilter.base_filters)
LIST_PARAMETERS = (
    *_FILTERS,
    api_settings.SEARCH_PARAM,
    api_settings.ORDERING_PARAM,
    PageNumberPagination.page_query_param,
    PageNumberPagination.page_size_query_param,
    api_settings.URL_FORMAT_OVERRIDE,
)
FEED_PARAMETERS = (
    *_FILTERS,
    IdCursorPagination.cursor_query_param,
    IdCursorPagination.page_size_query_param,
    api_settings.URL_FORMAT_OVERRIDE,
)
DETAIL_PARAMETERS = (api_settings.URL_FORMAT_OVERRIDE,)


def query_canonical(request: HttpRequest, parameters: tuple[str, ...]) -> None:
    """Keeps only `parameters`, each once with the value the API reads (the last), in a fixed
    order. So the cache key depends only on what changes the answer, repeated parameters cannot
    make two different answers share a key, and the page's links carry no client's junk."""
    if not request.META.get("QUERY_STRING"):
        return
    query = request.GET
    kept = QueryDict(mutable=True)
    for name in parameters:
        if name in query:
            kept[name] = query[name]  # QueryDict[name] is the last value, as DRF reads it
    kept._mutable = False
    request.GET = kept
    request.META["QUERY_STRING"] = kept.urlencode()


def _accepts_json(request: HttpRequest) -> bool:
    """The cached answers are JSON: a client that accepts none gets DRF's 406, as on a miss."""
    accept = request.META.get("HTTP_ACCEPT", "")
    return not accept or "json" in accept or "*/*" in accept or "application/*" in accept


def _answerable(request: HttpRequest) -> bool:
    """An anonymous GET (no credentials at all), the cache on, and not throttled."""
    if (
        request.method != "GET"
        or "HTTP_AUTHORIZATION" in request.META
        or settings.SESSION_COOKIE_NAME in request.COOKIES
        or not product_cache.enabled()
        or not _accepts_json(request)
    ):
        return False
    if not AnonymousReadThrottle().allow_request(request, None):
        return False  # DRF answers 429 with Retry-After
    AnonymousReadThrottle.mark_checked(request)
    return True


def _json(body: bytes, **headers) -> HttpResponse:
    return HttpResponse(body, content_type="application/json", headers=headers)


def _counts_in_redis() -> bool:
    """Reads are counted by the same Redis call that reads the cache: the counts' Redis is the
    cache's. Otherwise each read is counted by product_reads_record (its own round trip)."""
    return settings.VIEW_COUNTING == "redis" and redis_shared()


def _impression_counter() -> tuple[str, str, str] | None:
    """Where a Redis call counts impressions, or None when they are counted elsewhere."""
    return impression_counter() if _counts_in_redis() else None


def product_detail(request: HttpRequest, drf_view: View, pk: int) -> HttpResponse | None:
    """The cached product, counted in the same round trip; a miss reads one row and caches it."""
    try:
        value = product_cache.read(pk, view_counter(pk) if _counts_in_redis() else None)
    except UNAVAILABLE as exc:
        redis_failed(exc, cache=True)
        return None
    if value == product_cache.TOMBSTONE:
        return None  # deleted: DRF answers 404
    if value is None:
        found = products_by_id([pk])
        if not found:
            return None
        product = found[0]
        value = product_cache.entry(product)
        product_cache.fill((product.pk, value))
        product_reads_record(product_ids=[pk], kind=VIEW)
    elif not _counts_in_redis():
        product_reads_record(product_ids=[pk], kind=VIEW)
    etag, body = product_cache.split(value)
    return _json(body, ETag=etag)


def page_key(request: HttpRequest) -> str:
    """The page's identity: scheme, host (its links are absolute), path and the canonical query
    (query_canonical has run)."""
    raw = f"{request.scheme}://{request.get_host()}{request.path}?{request.META['QUERY_STRING']}"
    return hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()


def product_page(request: HttpRequest, drf_view: View) -> HttpResponse:
    """A cached page, its impressions counted in the same call; a miss is built by DRF, then
    cached under the version read before it queried the database."""
    key = page_key(request)
    try:
        version, product_ids, body = product_cache.page_read(key, _impression_counter())
    except UNAVAILABLE as exc:
        redis_failed(exc, cache=True)
        return drf_view(request)
    if body is not None:
        if not _counts_in_redis():
            product_reads_record(product_ids=product_ids, kind=IMPRESSION)
        return _json(body)
    response = drf_view(request)
    shown = getattr(response, "product_ids", None)
    if response.status_code == 200 and shown is not None:
        product_cache.page_store(version, key, shown, response.content)
    return response


def product_feed(request: HttpRequest, drf_view: View) -> HttpResponse | None:
    """The unfiltered feed: the keyset query picks the ids, the rows come from the cache. The
    viewset's own paginator reads the cursor and writes the links, so the page is the same."""
    paginator = IdCursorPagination()
    if not set(request.GET) <= {paginator.cursor_query_param, paginator.page_size_query_param}:
        return None  # filtered: the viewset's filters apply
    try:
        rows = paginator.paginate_queryset(product_list().values("id"), Request(request))
    except NotFound:
        return None  # a cursor that does not decode: DRF answers 404
    return page_from_cache(paginator, [row["id"] for row in rows])


def page_from_cache(paginator, product_ids: list[int]) -> HttpResponse | None:
    """The page `paginator` has just picked, its rows from the cache, its impressions counted
    (hits in the same Redis call). None when Redis cannot be reached."""
    try:
        shown, bodies, uncounted = product_cache.rows(product_ids, _impression_counter())
    except UNAVAILABLE as exc:
        redis_failed(exc, cache=True)
        return None
    product_reads_record(product_ids=uncounted, kind=IMPRESSION)
    envelope = paginator.get_paginated_response([]).data  # count (numbered pages), next, previous
    del envelope["results"]
    response = _json(product_cache.page_body(envelope, bodies))
    response.product_ids = shown  # what a cached copy of this page counts when it is read
    return response


def cache_first(
    drf_view: View, answer: Callable[..., HttpResponse | None], parameters: tuple[str, ...]
) -> View:
    """`drf_view`, with `answer(request, drf_view, **kwargs)` tried first for answerable reads.
    Only the query `parameters` reach either (query_canonical)."""

    def view(request, **kwargs):
        query_canonical(request, parameters)
        if _answerable(request):
            response = answer(request, drf_view=drf_view, **kwargs)
            if response is not None:
                return response
        if "pk" in kwargs:
            kwargs["pk"] = str(kwargs["pk"])
        return drf_view(request, **kwargs)

    # Not functools.wraps: copying the DRF view's attributes would list it twice in the schema.
    view.csrf_exempt = True  # DRF checks CSRF itself, for session-authenticated writes
    view.__doc__ = answer.__doc__
    return view

"""Anonymous product reads (detail, list pages, the feed): answered, counted and cached here.

Anonymous GETs of products are most of the traffic, and each one is counted. This module answers
every one that succeeds, with the cache on, off or its Redis down: from the cache when it holds
the answer (one Redis call that also counts), otherwise it picks the page with the viewset's own
filters, search, ordering and paginator, renders it, caches it and counts it. Everything else (a
logged-in client, HEAD, a 404, a bad filter, page or cursor, a client that takes no JSON, a
throttled client) goes to the DRF view, which defines the API's answers and errors. The viewset
itself neither caches nor counts; a test compares both paths' answers, headers and bytes.
"""

import hashlib
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils.cache import patch_vary_headers
from rest_framework.exceptions import APIException
from rest_framework.settings import api_settings

from catalog_service.analytics.counters import (
    IMPRESSION,
    VIEW,
    impression_counter,
    product_reads_record,
    view_counter,
)
from catalog_service.categories.selectors import with_category_paths
from catalog_service.core.metrics import CACHE_REQUESTS, PRODUCT_VIEWS
from catalog_service.core.pagination import IdCursorPagination, PageNumberPagination
from catalog_service.core.permissions import is_anonymous
from catalog_service.core.redis import redis_guard, redis_shared
from catalog_service.core.throttling import AnonymousReadThrottle

from . import cache as product_cache
from .filters import ProductFilter
from .models import Product
from .selectors import products_by_id

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
    """The answers here are JSON: a client that takes none gets DRF's answer (406, or the
    browsable API where it is on)."""
    if request.GET.get(api_settings.URL_FORMAT_OVERRIDE, "json") != "json":
        return False
    accept = request.META.get("HTTP_ACCEPT", "")
    return not accept or "json" in accept or "*/*" in accept or "application/*" in accept


def _answerable(request: HttpRequest) -> bool:
    """An anonymous GET of JSON, not throttled."""
    if request.method != "GET" or not is_anonymous(request) or not _accepts_json(request):
        return False
    if not AnonymousReadThrottle().allow_request(request, None):
        return False  # DRF answers 429 with Retry-After
    AnonymousReadThrottle.mark_checked(request)
    return True


def _counts_in_redis() -> bool:
    """Reads are counted by the same Redis call that reads the cache: the counts' Redis is the
    cache's. Otherwise each read is counted by product_reads_record (its own round trip)."""
    return settings.VIEW_COUNTING == "redis" and redis_shared()


def _impression_counter() -> tuple[str, str, str] | None:
    """Where a Redis call counts impressions, or None when they are counted elsewhere."""
    return impression_counter() if _counts_in_redis() else None


class Endpoint:
    """One of the viewset's read endpoints, as this path needs it: the viewset's own way to pick a
    page (filters, search, ordering, paginator) and the headers DRF adds to each answer."""

    def __init__(self, drf_view: View):
        self.drf_view = drf_view
        drf = self._view()
        for method, action in drf_view.actions.items():
            setattr(drf, method, getattr(drf, action))
        drf.head = drf.get  # as DRF adds to each view that has GET
        # DRF's headers (Allow, and Vary: Accept if it negotiates), and Vary: Cookie: the answer
        # depends on the session (an admin's is another). DRF's path says so when it reads the
        # session, this one without reading it. Worked out once, set as they are on each answer.
        template = HttpResponse()
        for name, value in drf.default_response_headers.items():
            if name == "Vary":
                patch_vary_headers(template, [value])
            else:
                template[name] = value
        patch_vary_headers(template, ["Cookie"])
        self._headers = dict(template.headers)
        del self._headers["Content-Type"]

    def _view(self):
        return self.drf_view.cls(**self.drf_view.initkwargs)

    def pick(self, request: HttpRequest, *, ids: bool):
        """(paginator, the page) the request asks for, picked as the viewset picks it: product ids
        when the rows will come from the cache, else the products. None when the request is
        refused (a bad filter, page or cursor): DRF gives the error."""
        view = self._view()
        view.args, view.kwargs, view.format_kwarg = (), {}, None
        view.action_map = self.drf_view.actions
        view.request = view.initialize_request(request)  # DRF's, with its authentication
        queryset = view.get_queryset()
        try:
            page = view.paginate_queryset(
                view.filter_queryset(queryset.values("id") if ids else queryset)
            )
        except APIException:
            return None
        return view.paginator, [row["id"] for row in page] if ids else page

    def json(self, body: bytes, **headers: str) -> HttpResponse:
        return HttpResponse(
            body, content_type="application/json", headers={**self._headers, **headers}
        )


def product_detail(request: HttpRequest, endpoint: Endpoint, pk: int) -> HttpResponse | None:
    """The cached product, counted in the same round trip; a miss reads one row and caches it."""
    generation = value = None
    counted = False
    if product_cache.enabled():
        with redis_guard(cache=True) as failed:
            counter = view_counter(pk) if _counts_in_redis() else None
            generation, value = product_cache.read(pk, counter)
            counted = value is not None and counter is not None
        _cache_lookup_record(failed, value is not None)
        if value == product_cache.TOMBSTONE:
            return None  # deleted: DRF answers 404
    if value is None:
        found = products_by_id([pk])
        if not found:
            return None
        value = product_cache.entry(found[0])
        if generation is not None:
            product_cache.fill((pk, value), generation=generation)
    if not counted:
        product_reads_record(product_ids=[pk], kind=VIEW)
    if settings.VIEW_COUNTING != "off":
        PRODUCT_VIEWS.inc()
    etag, body = product_cache.split(value)
    return endpoint.json(body, ETag=etag)


def _cache_lookup_record(failed: redis_guard, hit: bool) -> None:
    CACHE_REQUESTS.labels("error" if failed else "hit" if hit else "miss").inc()


def page_key(request: HttpRequest) -> str:
    """The page's identity: scheme, host (its links are absolute), path and the canonical query
    (query_canonical has run)."""
    raw = f"{request.scheme}://{request.get_host()}{request.path}?{request.META['QUERY_STRING']}"
    return hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()


def product_page(request: HttpRequest, endpoint: Endpoint) -> HttpResponse | None:
    """A numbered page: cached whole, its impressions counted in the same call. A miss is built
    here and cached under the version read before the database was queried."""
    version = None
    if product_cache.enabled():
        key = page_key(request)
        with redis_guard(cache=True) as failed:
            version, product_ids, body = product_cache.page_read(key, _impression_counter())
        _cache_lookup_record(failed, not failed and body is not None)
        if version is not None and body is not None:
            if not _counts_in_redis():
                product_reads_record(product_ids=product_ids, kind=IMPRESSION)
            return endpoint.json(body)
    picked = endpoint.pick(request, ids=product_cache.enabled())
    if picked is None:
        return None
    shown, body = _page(*picked)
    if version is not None:
        product_cache.page_store(version, key, shown, body)
    return endpoint.json(body)


def product_feed(request: HttpRequest, endpoint: Endpoint) -> HttpResponse | None:
    """A page of the feed: the keyset query picks the ids, the rows come from the cache (pages are
    not cached: a cursor is read once)."""
    picked = endpoint.pick(request, ids=product_cache.enabled())
    if picked is None:
        return None
    return endpoint.json(_page(*picked)[1])


def _page(paginator, page: list[int] | list[Product]) -> tuple[list[int], bytes]:
    """(ids shown, JSON) of the page `paginator` has just picked, its impressions counted."""
    if page and isinstance(page[0], int):
        shown, bodies = _representations(page)
    else:  # the cache is off: the page's rows were read with it
        shown = [product.pk for product in page]
        product_reads_record(product_ids=shown, kind=IMPRESSION)
        bodies = [product_cache.representation(product) for product in with_category_paths(page)]
    envelope = paginator.get_paginated_response([]).data  # count (numbered pages), next, previous
    del envelope["results"]
    return shown, product_cache.page_body(envelope, bodies)


def _representations(product_ids: list[int]) -> tuple[list[int], list[bytes]]:
    """(ids, bodies) of the products still there, in order, counted: from the cache (hits
    counted in the same call), else from the database."""
    if product_cache.enabled():
        with redis_guard(cache=True) as failed:
            shown, bodies, uncounted = product_cache.rows(product_ids, _impression_counter())
        if not failed:
            product_reads_record(product_ids=uncounted, kind=IMPRESSION)
            return shown, bodies
    # Redis failed: the database, as when the cache is off
    found = {product.pk: product for product in with_category_paths(products_by_id(product_ids))}
    shown = [pk for pk in product_ids if pk in found]  # one deleted since is left out
    product_reads_record(product_ids=shown, kind=IMPRESSION)
    return shown, [product_cache.representation(found[pk]) for pk in shown]


def anonymous_first(
    drf_view: View, answer: Callable[..., HttpResponse | None], parameters: tuple[str, ...]
) -> View:
    """`drf_view`, with `answer(request, endpoint, **kwargs)` answering anonymous reads first.
    Only the query `parameters` reach either on a read (query_canonical); writes keep theirs
    (a delete's `purge`)."""
    endpoint = Endpoint(drf_view)

    def view(request, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return drf_view(request, **kwargs)
        query_canonical(request, parameters)
        if _answerable(request):
            response = answer(request, endpoint, **kwargs)
            if response is not None:
                return response
        return drf_view(request, **kwargs)

    # Not functools.wraps: copying the DRF view's attributes would list it twice in the schema.
    view.csrf_exempt = True  # DRF checks CSRF itself, for session-authenticated writes
    view.__doc__ = answer.__doc__
    return view

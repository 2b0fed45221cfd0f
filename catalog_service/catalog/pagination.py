"""Numbered pages of products, whose `count` is computed once per catalog version and filter.

A COUNT(*) over a million products costs tens of milliseconds; every page of a list would run it.
The count is kept in the product cache's Redis under the catalog's version (catalog.cache), which
every product write increments: a write makes the next page count again. The version is read
before counting and the count stored only while that version is still current, so a count made
from rows read before a write is never stored where later readers look. A version keeps at most
PRODUCT_CACHE_MAX_PAGES counts (one per filter) and they expire PRODUCT_CACHE_SECONDS after its
first one. With the cache off, or its Redis down, every page counts.

Admins and anonymous clients list the same rows (the viewset's queryset only annotates admins'),
so they share the counts.
"""

from collections.abc import Callable

from django.conf import settings

from catalog_service.core.pagination import PageNumberPagination
from catalog_service.core.redis import redis_client, redis_guard

from . import cache as product_cache
from . import search

# `<namespace>counts:<version>`: a hash of filter digest -> count.
_COUNTS_PREFIX = f"{product_cache._NAMESPACE}counts:"

# KEYS = version; ARGV = counts prefix, filter digest. Returns {version, count or nil}.
_READ_COUNT = """
local version = redis.call('GET', KEYS[1]) or '0'
return {version, redis.call('HGET', ARGV[1] .. version, ARGV[2])}
"""

# Store a count under the version it was made after, while that version is current and holds
# fewer than ARGV[5] counts; they expire ARGV[6] seconds after the first one, which also drops the
# previous version's. KEYS = version; ARGV = counts prefix, version, filter digest, count, most
# counts, seconds.
_STORE_COUNT = """
if (redis.call('GET', KEYS[1]) or '0') ~= ARGV[2] then return 0 end
local counts = ARGV[1] .. ARGV[2]
local stored = redis.call('HLEN', counts)
if stored >= tonumber(ARGV[5]) then return 0 end
if stored == 0 then redis.call('UNLINK', ARGV[1] .. (tonumber(ARGV[2]) - 1)) end
redis.call('HSET', counts, ARGV[3], ARGV[4])
if redis.call('TTL', counts) < 0 then redis.call('EXPIRE', counts, ARGV[6]) end
return 1
"""


def search_depth() -> int:
    """The rows a search's numbered pages reach: SEARCH_MAX_DEPTH, within API_MAX_PAGE_DEPTH."""
    return min(settings.SEARCH_MAX_DEPTH, settings.API_MAX_PAGE_DEPTH)


class SearchMatches:
    """A search's matches as Django's paginator takes them: counted up to the rows its numbered
    pages reach (search_depth: a common word matches 5 % of the catalog, a piece of SKU 1 %,
    and counting all of them costs more than the page), and sliced tier by tier when ranked
    (search.ranked_page)."""

    def __init__(self, queryset, request):
        self.queryset, self.request = queryset, request
        self.counted = None  # unless the count came from the cache

    def count(self) -> int:
        self.counted = search.matches_count(self.queryset, self.request, search_depth())
        return self.counted

    def __getitem__(self, rows: slice) -> list:
        if not search.ranked(self.queryset):
            return list(self.queryset[rows])
        if self.counted is not None and self.counted < search_depth():  # all of them, known few
            return search.ranked_few(self.queryset, rows.start, rows.stop)
        return search.ranked_page(self.queryset, rows.start, rows.stop)


class ProductPageNumberPagination(PageNumberPagination):
    """The API's numbered pages, their count cached per catalog version and filter; a search's
    pages reach SEARCH_MAX_DEPTH rows and its count stops there (SearchMatches)."""

    too_deep_message = (
        PageNumberPagination.too_deep_message
        + " Walk the whole list with the cursor feed: /api/v1/product/feed/ (same filters)."
    )
    too_deep_search_message = (
        PageNumberPagination.too_deep_message + " Narrow the search to see more of it."
    )

    def depth_of(self, rows) -> int:
        return search_depth() if isinstance(rows, SearchMatches) else super().depth_of(rows)

    def too_deep(self, rows) -> str:
        if isinstance(rows, SearchMatches):
            return self.too_deep_search_message
        return super().too_deep(rows)

    def paginate_queryset(self, queryset, request, view=None):
        if search.is_search(queryset):
            queryset = SearchMatches(queryset, request)
        return super().paginate_queryset(queryset, request, view)

    def list_count(self, count: Callable[[], int]) -> int:
        if not product_cache.enabled():
            return count()
        key = self.count_key(self.request)
        version = cached = None
        with redis_guard(cache=True):
            reply = redis_client(cache=True).eval(
                _READ_COUNT, 1, product_cache._VERSION_KEY, _COUNTS_PREFIX, key
            )
            version, cached = reply[0], reply[1] if len(reply) > 1 else None
        if cached is not None:
            return int(cached)
        counted = count()
        if version is not None:  # Redis answered: remember it under the version read before
            with redis_guard(cache=True):
                redis_client(cache=True).eval(
                    _STORE_COUNT,
                    1,
                    product_cache._VERSION_KEY,
                    _COUNTS_PREFIX,
                    version,
                    key,
                    counted,
                    settings.PRODUCT_CACHE_MAX_PAGES,
                    settings.PRODUCT_CACHE_SECONDS,
                )
        return counted

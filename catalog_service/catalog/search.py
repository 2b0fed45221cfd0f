"""Product search: the `search=` parameter of the product list (ProductSearchFilter).

Terms: DRF's split of the parameter (whitespace and commas; a "quoted phrase" is one term), NUL
characters dropped, empty and repeated terms (ignoring case) left out, the first MAX_TERMS kept.
Every term must match (AND of terms), on either database.

On PostgreSQL
- A term matches a product whose SKU contains it, or whose name contains it or one of its
  corrections, ignoring case: `ILIKE '%term%'`, with `%`, `_` and `\\` taken literally. The GIN
  trigram indexes product_name_trgm and product_sku_trgm (migration 0005) answer these substring
  tests without reading the table ("ROD-12" finds "PROD-1234").
- Typos: a term of letters only (4 to 64 of them) that is part of no word of the catalog
  (SearchWord: the distinct words of the product names) is corrected against those words. Its
  corrections are the catalog's words nearest to it, if they are at most 1 edit away for a term of
  4 to 7 letters, at most 2 for a longer one, at most MAX_CORRECTIONS of them; an edit inserts,
  deletes or replaces a letter, or swaps two adjacent ones ("chiar" -> "chair", "matress" ->
  "mattress": 1 edit each). Shorter terms and terms with digits or punctuation (SKUs) are never
  corrected. One query corrects every term of a search: levenshtein_less_equal (fuzzystrmatch)
  over the words table, a few thousand rows; the products are never compared by similarity.
- Order, unless the request names a valid `ordering` (then that ordering, then id, as elsewhere):
  the exact SKU, then SKUs starting with the query, then names containing the whole query as
  typed, then products that every term matches as typed, then those found through a correction;
  by id within each: the tiers of a CASE, not a similarity(). SearchRankOrderingFilter orders by
  it; on the feed (IdCursorPagination) the order stays by id. A search's numbered pages reach
  SEARCH_MAX_DEPTH rows (1,000), where its count stops too (catalog.pagination). When it
  matches fewer, one query ranks them all through the trigram indexes (ranked_few); otherwise a
  page is read tier by tier (ranked_page), never by ranking every match: the cost of a page
  does not grow with the number of matches. Migration 0007 samples the names finely enough for
  the planner to tell a common word from a rare one, which decides how each tier is read.

On SQLite (`make run`): DRF's SearchFilter on `search_fields` (name, sku): each term a
case-insensitive substring (SQLite's LIKE folds ASCII letters only), no typo tolerance, no
ranking: the ordering is the list's usual one (id unless `ordering` says otherwise).

The words table: product_create and product_update add the words of the name they write
(search_words_add: one INSERT ... ON CONFLICT DO NOTHING); `manage.py search_words_rebuild`
rebuilds it and drops the words no product uses any more (those of deleted or renamed products
stay until then: they only offer corrections that find nothing).
"""

import re
from collections import defaultdict
from contextlib import contextmanager

from django.db import connections, router, transaction
from django.db.models import Case, F, IntegerField, Lookup, Q, QuerySet, Value, When
from django.db.models.functions import Lower
from django.db.models.lookups import Exact
from rest_framework.filters import SearchFilter, search_smart_split

from catalog_service.core.filters import StableOrderingFilter
from catalog_service.core.rows import insert_soon

from .models import Product, SearchWord
from .signals import in_bulk

RANK = "search_rank"  # the alias ProductSearchFilter orders by (never selected: .values() holds)
MAX_TERMS = 10
MAX_CORRECTIONS = 5
WORD_LENGTHS = (3, 64)  # the words kept in SearchWord
CORRECTED_LENGTHS = (4, 64)  # the terms corrected
LONG_TERM = 8  # from this length on, a term may be 2 edits away from its correction
_LETTERS = re.compile(r"[^\W\d_]+")  # a run of letters, in any script
_LONGEST = max(Product._meta.get_field(field).max_length for field in ("name", "sku"))


def name_words(name: str) -> set[str]:
    """The words of a product name kept in SearchWord: its runs of letters, lowercased."""
    low, high = WORD_LENGTHS
    return {word for word in _LETTERS.findall(name.lower()) if low <= len(word) <= high}


def search_words_add(name: str) -> None:
    """Adds the words of `name` the table lacks: one INSERT ... ON CONFLICT DO NOTHING, in the
    caller's transaction. Sorted, so two writers adding the same new words cannot deadlock."""
    words = sorted(name_words(name))
    if in_bulk():  # one INSERT for the whole bulk change (core.rows.inserts_deferred)
        for word in words:
            insert_soon(SearchWord(word=word), ignore_conflicts=True)
    elif words:
        SearchWord.objects.bulk_create(
            [SearchWord(word=word) for word in words], ignore_conflicts=True
        )


def search_words_rebuild() -> tuple[int, int]:
    """Makes SearchWord the words of the current product names: (words added, words dropped).

    The names are read without locking anything. Then, in a short transaction that holds product
    writes' word inserts (a SHARE ROW EXCLUSIVE lock of the words table on PostgreSQL), the words
    missing are added, and a word to drop is dropped only if no product name has it now: a product
    written meanwhile keeps its words."""
    words: set[str] = set()
    for name in Product.objects.values_list("name", flat=True).iterator(chunk_size=5000):
        words |= name_words(name)
    using = router.db_for_write(SearchWord)
    with transaction.atomic(using=using):
        connection = connections[using]
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                table = connection.ops.quote_name(SearchWord._meta.db_table)
                cursor.execute(f"LOCK TABLE {table} IN SHARE ROW EXCLUSIVE MODE")
        known = set(SearchWord.objects.using(using).values_list("word", flat=True))
        missing = sorted(words - known)
        SearchWord.objects.using(using).bulk_create(
            [SearchWord(word=word) for word in missing], batch_size=1000, ignore_conflicts=True
        )
        unused = sorted(known - words)
        for start in range(0, len(unused), 500):
            batch = unused[start : start + 500]
            used = Q()
            for word in batch:
                used |= _contains("name", word)
            for name in Product.objects.using(using).filter(used).values_list("name", flat=True):
                words |= name_words(name)
            dropped = [word for word in batch if word not in words]
            SearchWord.objects.using(using).filter(word__in=dropped).delete()
        return len(missing), len([word for word in unused if word not in words])


class _ILike(Lookup):
    """`lhs ILIKE rhs`: unlike Django's icontains on PostgreSQL (UPPER(lhs) LIKE UPPER(rhs)), a
    trigram index on the bare column answers it. Used as an expression, never registered."""

    lookup_name = "search_ilike"
    operator = "LIKE {} ESCAPE '\\'"  # elsewhere (SQLite: search_words_rebuild), ASCII folded

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} {self.operator.format(rhs)}", (*lhs_params, *rhs_params)

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} ILIKE {rhs}", (*lhs_params, *rhs_params)


def _literal(text: str) -> str:
    """`text` for a LIKE pattern, its wildcards and the escape character taken literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _contains(field: str, text: str) -> Q:
    return Q(_ILike(F(field), f"%{_literal(text)}%"))


def _edits(a: str, b: str) -> int:
    """Edits from a to b: insertions, deletions, replacements and swaps of adjacent letters
    (optimal string alignment). For the few candidates the database has found."""
    previous2, previous = None, list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            cost = current[j - 1] + 1
            cost = min(cost, previous[j] + 1, previous[j - 1] + (char_a != char_b))
            if i > 1 and j > 1 and char_a == b[j - 2] and a[i - 2] == char_b:
                cost = min(cost, previous2[j - 2] + 1)
            current.append(cost)
        previous2, previous = previous, current
    return previous[-1]


def _allowed_edits(term: str) -> int:
    return 2 if len(term) >= LONG_TERM else 1


def _correctable(term: str) -> bool:
    low, high = CORRECTED_LENGTHS
    return low <= len(term) <= high and _LETTERS.fullmatch(term) is not None


def corrections(terms: list[str], using: str) -> dict[str, list[str]]:
    """{term: its corrections} for the terms (lowercase) that need and have some (module doc).

    One query: the words near each correctable term that is part of no catalog word, found by
    levenshtein_less_equal with room for the swaps it counts as 2 edits; _edits decides."""
    wanted = sorted({term for term in terms if _correctable(term)})
    if not wanted:
        return {}
    connection = connections[using]
    table = connection.ops.quote_name(SearchWord._meta.db_table)
    sql = (
        "SELECT q.term, w.word FROM unnest(%s::text[], %s::int[]) AS q(term, bound) "  # noqa: S608 - model name
        f"JOIN {table} w ON abs(length(w.word) - length(q.term)) <= q.bound / 2 "
        "AND levenshtein_less_equal(q.term, w.word, q.bound) <= q.bound "
        f"WHERE NOT EXISTS (SELECT 1 FROM {table} s WHERE strpos(s.word, q.term) > 0)"
    )
    # A swap is 2 Levenshtein edits: 2 per edit allowed bounds the candidates.
    bounds = [2 * _allowed_edits(term) for term in wanted]
    with connection.cursor() as cursor:
        cursor.execute(sql, [wanted, bounds])
        rows = cursor.fetchall()
    near: dict[str, list[tuple[int, str]]] = defaultdict(list)
    for term, word in rows:
        edits = _edits(term, word)
        if edits <= _allowed_edits(term):
            near[term].append((edits, word))
    found = {}
    for term, candidates in near.items():
        candidates.sort()
        nearest = candidates[0][0]
        found[term] = [word for edits, word in candidates if edits == nearest][:MAX_CORRECTIONS]
    return found


class ProductSearchFilter(SearchFilter):
    """`search=`: substrings of name and SKU, typo tolerant and ranked on PostgreSQL (module doc).

    Works on any queryset of products, `.values("id")` ones included (catalog.anonymous picks
    pages with them): it filters and adds an alias, which no `.values()` selects."""

    search_description = (
        "Words that must each be part of the name or the SKU, ignoring case. On PostgreSQL a "
        "misspelt word of 4 letters or more is corrected against the catalog's words, the best "
        "matches come first unless `ordering` is given; a search's numbered pages reach "
        "SEARCH_MAX_DEPTH rows (1,000 by default, 400 `page_too_deep` beyond) and its `count` "
        "stops there."
    )

    def get_search_terms(self, request) -> list[str]:
        value = request.query_params.get(self.search_param, "").replace("\x00", "")
        terms, seen = [], set()
        for term in search_smart_split(value):
            term = term.strip()
            if term and term.lower() not in seen:
                seen.add(term.lower())
                terms.append(term)
        return terms[:MAX_TERMS]

    def filter_queryset(self, request, queryset: QuerySet, view) -> QuerySet:
        if connections[queryset.db].vendor != "postgresql":
            return super().filter_queryset(request, queryset, view)
        terms = self.get_search_terms(request)
        if not terms:
            return queryset
        if any(len(term) > _LONGEST for term in terms):
            return queryset.none()  # longer than any name or SKU: matches nothing
        fixes = corrections([term.lower() for term in terms], queryset.db)
        matches = Q()
        typed = Q()  # the corrected terms as typed (the others match every row as typed)
        for term in terms:
            as_typed = _contains("sku", term) | _contains("name", term)
            words = fixes.get(term.lower(), ())
            if words:
                typed &= as_typed
            for word in words:
                as_typed |= _contains("name", word)
            matches &= as_typed
        return queryset.filter(matches).alias(**{RANK: self._rank(" ".join(terms), typed)})

    @staticmethod
    def _rank(query: str, typed: Q) -> Case:
        """The tier of a matching row (module doc), one When per tier, best first: ranked_page
        reads the tiers from it, and an ORDER BY of it gives the same order."""
        pattern = _literal(query)
        tiers = [
            When(Exact(Lower("sku"), query.lower()), then=Value(0)),  # the unique index
            When(_ILike(F("sku"), f"{pattern}%"), then=Value(1)),
            When(_contains("name", query), then=Value(2)),
        ]
        if typed:  # some term was corrected: the rows that match it as typed come first
            tiers.append(When(typed, then=Value(3)))
        return Case(*tiers, default=Value(len(tiers)), output_field=IntegerField())


def matches_count(queryset: QuerySet, request, most: int) -> int:
    """How many products a search matches, counted up to `most`.

    Up to a limit, PostgreSQL's planner prefers a sequential scan that stops early, pricing an
    ILIKE like an `=`: for a word in 5 % of a million names it scans 200,000 rows (4 times the
    trigram indexes' time). When every term has a trigram (3 characters or more) the indexes
    always find the matches faster, so the count runs with sequential scans priced out, for
    that one statement; shorter terms have no trigram to look up and keep the scan."""
    capped = queryset.order_by()[:most]
    connection = connections[queryset.db]
    terms = ProductSearchFilter().get_search_terms(request)
    if connection.vendor != "postgresql" or any(len(term) < 3 for term in terms):
        return capped.count()
    with _without_sequential_scans(queryset.db):
        return capped.count()


@contextmanager
def _without_sequential_scans(using: str, *also: str):
    """Sequential scans (and the other plans named, e.g. `enable_indexscan`) priced out for the
    statements inside: a transaction's local settings, put back as they were should an outer
    transaction go on. On other databases, nothing."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        yield
        return
    names = ["enable_seqscan", *also]
    off = ", ".join("current_setting(%s), set_config(%s, 'off', true)" for _ in names)
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute(f"SELECT {off}", [name for name in names for _ in range(2)])
        before = cursor.fetchone()[::2]
        yield
        back = ", ".join("set_config(%s, %s, true)" for _ in names)
        cursor.execute(
            f"SELECT {back}", [v for pair in zip(names, before, strict=True) for v in pair]
        )


def is_search(queryset: QuerySet) -> bool:
    """Whether ProductSearchFilter has filtered `queryset` by a search."""
    return RANK in queryset.query.annotations


def ranked(queryset: QuerySet) -> bool:
    """Whether `queryset` is a search ordered best first (SearchRankOrderingFilter)."""
    return is_search(queryset) and tuple(queryset.query.order_by[:1]) == (RANK,)


def ranked_page(queryset: QuerySet, bottom: int, top: int) -> list:
    """`queryset[bottom:top]` of a ranked search, without ranking every match.

    ORDER BY the rank would compute it for every match and sort them all (a common word matches
    5 % of the catalog). Instead the tiers are read in turn, each by id with a LIMIT of the rows
    still needed to reach `top` (an index answers each, see module doc), until `top` rows are
    found; then the page's rows are read by id. The first `top` rows of the whole order are the
    first rows of its tiers, so the page is the same. At most one query per tier, and one more."""
    tiers = [when.condition for when in queryset.query.annotations[RANK].cases]
    matches = queryset.order_by()
    found: list[int] = []
    better = Q()  # the tiers already read
    for condition in [*tiers, None]:
        tier = matches.exclude(better) if better else matches
        if condition is not None:
            tier = tier.filter(condition)
            better |= Q(condition)
        found += tier.order_by("id").values_list("id", flat=True)[: top - len(found)]
        if len(found) >= top:
            break
    page = found[bottom:top]
    rows = {_pk(row): row for row in matches.filter(id__in=page)}
    return [rows[pk] for pk in page if pk in rows]


def ranked_few(queryset: QuerySet, bottom: int, top: int) -> list:
    """`queryset[bottom:top]` of a ranked search that matches fewer rows than its pages reach:
    one query ranks them all. Through the trigram indexes, whatever the planner estimates: a
    walk of the ids in search of a few rows could read the whole table."""
    with _without_sequential_scans(queryset.db, "enable_indexscan"):
        return list(queryset[bottom:top])


def _pk(row) -> int:
    return row["id"] if isinstance(row, dict) else row.pk


class SearchRankOrderingFilter(StableOrderingFilter):
    """StableOrderingFilter, except that a search's results without an `ordering` the request
    names (a valid one) come best first: ProductSearchFilter's rank, then id."""

    def get_ordering(self, request, queryset, view):
        if RANK in queryset.query.annotations and not self._requested(request, queryset, view):
            return [RANK, "id"]
        return super().get_ordering(request, queryset, view)

    def _requested(self, request, queryset, view) -> bool:
        params = request.query_params.get(self.ordering_param)
        if not params:
            return False
        fields = [param.strip() for param in params.split(",")]
        return bool(self.remove_invalid_fields(queryset, fields, view, request))

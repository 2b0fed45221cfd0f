"""Fills the benchmark database: brands, categories, products and admins; prints what run.py needs.

    python -m bench.seed --products 10000 --brands 100 --category-shape 10,3,4,7

Rows are generated inside PostgreSQL (INSERT ... SELECT over generate_series): no Python loop
and no round trip per row, so a million products take seconds, not minutes. `--other-admins N`
adds N admins (with emails) whom every product change must notify: each PATCH then writes N
delivery rows in its transaction. Prints one JSON line: the id range, the table names, the
top-level categories, the words of the names and an access token for the acting admin.

The catalog (product g = 1..N, in id order):
- categories: a tree of depth 4, `--category-shape` children per node at each level; the default
  10,3,4,7 is 10 top-level categories, 30 below them, 120 below those and 840 leaves: 1,000 in
  all, 100 in each top-level subtree. Named by their place: "Category 3.2.4.7", slug c3-2-4-7.
- every product is in a leaf, dealt like cards: each run of L (leaves) consecutive products puts
  one in every leaf, and each run starts one leaf further on, so the leaves hold N / L products
  each (within one) and a leaf's products have varied names. A top-level subtree holds a tenth of
  the catalog, spread over the whole id range.
- name: "<adjective> <noun> <number>", like "Walnut Chair 416": adjective g % 20, noun
  (g / 20) % 20, number 1 + g % 997 (20 x 20 x 997 = 398,800 distinct names). Each word is in
  1/20 of the names; no word is part of another, so a search for a word finds exactly its
  products.
- sku: PROD- and 7 digits, g times 6,180,339 modulo 10,000,000: one-to-one for up to ten
  million products (the multiplier has no factor 2 or 5), and as it is the golden ratio's
  digits, consecutive products' SKUs are scattered evenly over the whole range (Fibonacci
  hashing): a partial SKU like "ROD-12" finds 1 % of the catalog (within 0.1 %) at any size.
- price: deterministic, 1.00 to 999.99; brands taken in turn.
- stock: one location with 100,000,000 units of each of the first 10,000 products (their receipts
  in the ledger), which are in stock; the others have none.

Then the words table of product search (SearchWord) is filled: `manage.py search_words_rebuild`
when the project has it, else the distinct lowercased words (runs of 3 to 64 letters) of the
names by one INSERT ... SELECT, and nothing when the table does not exist.
"""

import argparse
import io
import json
import os
import secrets

import django

ADJECTIVES = (
    "Walnut", "Maple", "Cherry", "Birch", "Cedar", "Ebony", "Ivory", "Linen", "Velvet", "Marble",
    "Copper", "Bronze", "Silver", "Golden", "Rustic", "Modern", "Classic", "Vintage", "Nordic",
    "Compact",
)  # fmt: skip
NOUNS = (
    "Chair", "Table", "Desk", "Sofa", "Lamp", "Shelf", "Mattress", "Cabinet", "Dresser", "Bench",
    "Stool", "Mirror", "Carpet", "Curtain", "Pillow", "Blanket", "Wardrobe", "Bookcase",
    "Ottoman", "Cushion",
)  # fmt: skip
NAME_NUMBERS = 997
SKU_MULTIPLIER = 6_180_339  # golden ratio x 10^7, odd, no factor 5: one-to-one, even spread
SKU_SPACE = 10_000_000
# Stock: one location holding STOCK_UNITS of each of the first STOCKED_PRODUCTS products, so the
# reservation workloads never run out (each holds 1 unit) and the hot product is a real row.
STOCKED_PRODUCTS = 10_000
STOCK_UNITS = 100_000_000
SEARCH_WORDS_TABLE = "catalog_searchword"


def _shape(value: str) -> list[int]:
    shape = [int(part) for part in value.split(",") if part.strip()]
    if not shape or any(n < 1 for n in shape):
        raise argparse.ArgumentTypeError("children per level, each >= 1, e.g. 10,3,4,7")
    return shape


def categories_seed(cursor, table: str, shape: list[int]) -> tuple[list[int], list[int]]:
    """The tree, one INSERT ... SELECT per level; returns (top-level ids, leaf ids), by id."""
    cursor.execute(
        f"INSERT INTO {table} (name, slug, parent_id, created_at, updated_at) "
        f"SELECT 'Category ' || a, 'c' || a, NULL, now(), now() "
        f"FROM generate_series(1, %s) AS a ORDER BY a RETURNING id",
        [shape[0]],
    )
    level = sorted(row[0] for row in cursor.fetchall())
    tops = level
    for children in shape[1:]:
        cursor.execute(
            f"INSERT INTO {table} (name, slug, parent_id, created_at, updated_at) "
            f"SELECT p.name || '.' || b, p.slug || '-' || b, p.id, now(), now() "
            f"FROM {table} AS p, generate_series(1, %s) AS b "
            f"WHERE p.id = ANY(%s) ORDER BY p.id, b RETURNING id",
            [children, level],
        )
        level = sorted(row[0] for row in cursor.fetchall())
    return tops, level


def stock_seed(cursor, first_id: int, products: int, units: int) -> dict:
    """One location holding `units` of each of the first `products` products, each level with
    its receipt in the ledger (so stock_audit holds) and the products shown in stock."""
    from catalog_service.catalog.models import Product
    from catalog_service.inventory.models import Location, StockLevel, StockMovement

    locations, levels = Location._meta.db_table, StockLevel._meta.db_table
    cursor.execute(
        f"INSERT INTO {locations} (code, name, active, created_at, updated_at) "
        f"VALUES ('bench', 'Bench warehouse', true, now(), now()) RETURNING id"
    )
    location = cursor.fetchone()[0]
    last_id = first_id + products - 1
    cursor.execute(
        f"INSERT INTO {levels} (product_id, location_id, on_hand, reserved, "
        f"low_stock_threshold, updated_at) SELECT g, %s, %s, 0, 0, now() "
        f"FROM generate_series(%s::bigint, %s::bigint) AS g",
        [location, units, first_id, last_id],
    )
    cursor.execute(
        f"INSERT INTO {StockMovement._meta.db_table} (level_id, on_hand_delta, reserved_delta, "
        f"reason, note, created_at) SELECT id, on_hand, 0, 'receipt', 'bench seed', now() "
        f"FROM {levels}"
    )
    cursor.execute(
        f"UPDATE {Product._meta.db_table} SET availability = 'in_stock' WHERE id BETWEEN %s AND %s",
        [first_id, last_id],
    )
    return {
        "stocked_first": first_id,
        "stocked_last": last_id,
        "stock_units": units,
        "levels_table": levels,
    }


def search_words_fill(connection) -> str:
    """SearchWord from the names: the project's own rebuild if it has one, else one INSERT."""
    from django.core.management import call_command, get_commands

    if SEARCH_WORDS_TABLE not in connection.introspection.table_names():
        return f"no table {SEARCH_WORDS_TABLE}: search words not filled"
    if "search_words_rebuild" in get_commands():
        out = io.StringIO()
        call_command("search_words_rebuild", stdout=out)
        return out.getvalue().strip()
    with connection.cursor() as cursor:
        # catalog.search keeps runs of 3 to 64 letters, lowercased
        cursor.execute(
            f"INSERT INTO {SEARCH_WORDS_TABLE} (word) "
            f"SELECT DISTINCT w FROM catalog_product, "
            f"regexp_split_to_table(lower(name), '[^[:alpha:]]+') AS w "
            f"WHERE length(w) BETWEEN 3 AND 64 ON CONFLICT DO NOTHING"
        )
        return f"search words: {cursor.rowcount} inserted by SQL (no search_words_rebuild)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--brands", type=int, default=100)
    parser.add_argument(
        "--category-shape",
        type=_shape,
        default=_shape("10,3,4,7"),
        help="children per node at each level of the category tree (default 10,3,4,7: 1,000)",
    )
    parser.add_argument("--admin", default="bench-admin")
    parser.add_argument(
        "--other-admins", type=int, default=0, help="admins to notify of each change"
    )
    args = parser.parse_args()
    if args.products > SKU_SPACE:
        parser.error(f"at most {SKU_SPACE:,} products (7-digit SKUs)")

    django.setup()
    from django.db import connection, transaction
    from rest_framework_simplejwt.tokens import AccessToken

    from catalog_service.accounts import services as account_services
    from catalog_service.analytics.models import AppliedCountBatch, ProductDailyViews
    from catalog_service.catalog.models import Brand, Product
    from catalog_service.categories.models import Category

    brand_table, product_table = Brand._meta.db_table, Product._meta.db_table
    category_table = Category._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {brand_table} (name, created_at, updated_at) "
            f"SELECT 'Brand ' || lpad(g::text, 3, '0'), now(), now() "
            f"FROM generate_series(1, %s) AS g",
            [args.brands],
        )
        tops, leaves = categories_seed(cursor, category_table, args.category_shape)
        # Deterministic prices from 1.00 to 999.99; brands taken in turn; leaves dealt in runs
        # that each start one leaf further on (module doc).
        cursor.execute(
            f"INSERT INTO {product_table} "
            f"(sku, name, price, brand_id, category_id, created_at, updated_at) "
            f"SELECT 'PROD-' || lpad(((g::bigint * %s::bigint) %% %s::bigint)::text, 7, '0'), "
            f"a.words[1 + g %% 20] || ' ' || n.words[1 + (g / 20) %% 20] || ' ' "
            f"|| (1 + g %% %s::int), "
            f"((g::bigint * 7919) %% 99900 + 100) / 100.0, b.ids[1 + g %% b.n], "
            f"c.ids[1 + ((g - 1) %% c.n + (g - 1) / c.n) %% c.n], now(), now() "
            f"FROM generate_series(1, %s) AS g, "
            f"(SELECT %s::text[] AS words) AS a, (SELECT %s::text[] AS words) AS n, "
            f"(SELECT array_agg(id ORDER BY id) AS ids, count(*) AS n FROM {brand_table}) AS b, "
            f"(SELECT %s::bigint[] AS ids, %s::int AS n) AS c",
            [
                SKU_MULTIPLIER,
                SKU_SPACE,
                NAME_NUMBERS,
                args.products,
                list(ADJECTIVES),
                list(NOUNS),
                leaves,
                len(leaves),
            ],
        )
    with connection.cursor() as cursor:
        # As autovacuum leaves a table in service: statistics, and the visibility map that lets
        # a count over the (category, id) index skip the table (index-only scans).
        cursor.execute(f"VACUUM ANALYZE {brand_table}, {category_table}, {product_table}")
        cursor.execute(f"SELECT min(id), max(id), count(*) FROM {product_table}")
        first_id, last_id, count = cursor.fetchone()
        stock = stock_seed(cursor, first_id, min(count, STOCKED_PRODUCTS), STOCK_UNITS)
        # Products under each top-level category (a subtree's first page needs 25 of them).
        cursor.execute(
            f"WITH RECURSIVE t(id, top) AS ("
            f"SELECT id, id FROM {category_table} WHERE parent_id IS NULL UNION ALL "
            f"SELECT c.id, t.top FROM {category_table} c JOIN t ON c.parent_id = t.id) "
            f"SELECT t.top, count(p.id) FROM t LEFT JOIN {product_table} p ON p.category_id = t.id "
            f"GROUP BY t.top"
        )
        subtree_counts = dict(cursor.fetchall())
        cursor.execute(f"SELECT count(*) FROM {category_table}")
        categories = cursor.fetchone()[0]
    search_words = search_words_fill(connection)
    if SEARCH_WORDS_TABLE in connection.introspection.table_names():
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {SEARCH_WORDS_TABLE}")

    admin = account_services.user_create(
        username=args.admin,
        email=f"{args.admin}@example.com",
        password=os.environ.get("ADMIN_PASSWORD") or secrets.token_urlsafe(16),
        is_superuser=True,
    )
    from catalog_service.accounts.models import User

    User.objects.bulk_create(
        User(
            username=f"{args.admin}-{n}",
            email=f"{args.admin}-{n}@example.com",
            is_staff=True,
            password="!",  # unusable: these accounts only receive notifications
        )
        for n in range(1, args.other_admins + 1)
    )
    print(
        json.dumps(
            {
                "products": count,
                "first_id": first_id,
                "last_id": last_id,
                "product_table": product_table,
                "brand_table": brand_table,
                "category_table": category_table,
                "categories": categories,
                "category_shape": args.category_shape,
                "top_categories": tops,
                "leaves": len(leaves),
                "smallest_top_subtree": min(subtree_counts.values(), default=0),
                "adjectives": list(ADJECTIVES),
                "nouns": list(NOUNS),
                "sku_multiplier": SKU_MULTIPLIER,
                "sku_space": SKU_SPACE,
                "search_words": search_words,
                "counts_table": ProductDailyViews._meta.db_table,
                "batches_table": AppliedCountBatch._meta.db_table,
                **stock,
                "admin": admin.username,
                "token": str(AccessToken.for_user(admin)),
            }
        )
    )


if __name__ == "__main__":
    main()

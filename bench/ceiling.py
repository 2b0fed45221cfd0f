"""Two bare WSGI apps: the most the same gunicorn setup can serve, with and without PostgreSQL.

static_app  a fixed JSON body: gunicorn, HTTP and the machine, nothing else.
select_app  one SELECT statement for a product, over a persistent psycopg connection per worker,
            returned as JSON in the API's shape: the product by primary key joined with its
            brand, and its category with the full path from the root (the API's
            `"category": null | {"id", "name", "slug", "path": [{id, name, slug}, ...]}`, root
            first, itself last). The path is read in the same statement: a recursive CTE walks
            up the `parent_id` links from the product's category (4 primary-key lookups in the
            benchmark's tree of depth 4) and aggregates them, so it is still one round trip and
            one statement, the body the API serves, not a one-step path.

Served by bench/run.py with the flags of bin/start-api; the product id is the last number of the
path, so the detail workloads of the API drive these apps unchanged.
"""

import json
import os
import re

import psycopg

_STATIC_BODY = json.dumps(
    {
        "id": 1,
        "sku": "PROD-6180339",
        "name": "Maple Chair 2",
        "price": "80.19",
        "brand": {"id": 2, "name": "Brand 002"},
        "category": {
            "id": 161,
            "name": "Category 1.1.1.1",
            "slug": "c1-1-1-1",
            "path": [
                {"id": 1, "name": "Category 1", "slug": "c1"},
                {"id": 11, "name": "Category 1.1", "slug": "c1-1"},
                {"id": 41, "name": "Category 1.1.1", "slug": "c1-1-1"},
                {"id": 161, "name": "Category 1.1.1.1", "slug": "c1-1-1-1"},
            ],
        },
        "availability": "in_stock",
        "created_at": "2025-01-01T00:00:00Z",
        "updated_at": "2025-01-01T00:00:00Z",
    }
).encode()

_PRODUCT_TABLE = os.environ.get("BENCH_PRODUCT_TABLE", "catalog_product")
_BRAND_TABLE = os.environ.get("BENCH_BRAND_TABLE", "catalog_brand")
_CATEGORY_TABLE = os.environ.get("BENCH_CATEGORY_TABLE", "categories_category")
# Table names come from the models (bench/seed.py); the id is a query parameter. One statement:
# the product row (a CTE referenced twice, so read once), the category's ancestors walked up
# from it, and the path aggregated root first (null without a category).
_SELECT = (
    f"WITH RECURSIVE product AS ("
    f"SELECT p.id, p.sku, p.name, p.price, b.id AS brand_id, b.name AS brand_name, "
    f"p.category_id, p.availability, p.created_at, p.updated_at "
    f"FROM {_PRODUCT_TABLE} p JOIN {_BRAND_TABLE} b ON b.id = p.brand_id WHERE p.id = %s), "
    f"up(id, name, slug, parent_id, depth) AS ("
    f"SELECT c.id, c.name, c.slug, c.parent_id, 0 "
    f"FROM {_CATEGORY_TABLE} c JOIN product ON c.id = product.category_id "
    f"UNION ALL SELECT c.id, c.name, c.slug, c.parent_id, up.depth + 1 "
    f"FROM {_CATEGORY_TABLE} c JOIN up ON c.id = up.parent_id) "
    f"SELECT product.id, product.sku, product.name, product.price, product.brand_id, "
    f"product.brand_name, product.availability, product.created_at, product.updated_at, "
    f"(SELECT json_agg(json_build_object('id', up.id, 'name', up.name, 'slug', up.slug) "
    f"ORDER BY up.depth DESC) FROM up) "
    f"FROM product"
)
_ID = re.compile(r"(\d+)/?$")


def _respond(start_response, status: str, body: bytes) -> list[bytes]:
    start_response(
        status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]


def static_app(environ, start_response):
    return _respond(start_response, "200 OK", _STATIC_BODY)


class _Connection:
    """One connection per worker process, opened at its first request (after the fork)."""

    conn: psycopg.Connection | None = None

    @classmethod
    def get(cls) -> psycopg.Connection:
        if cls.conn is None or cls.conn.closed:
            cls.conn = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
        return cls.conn


def select_app(environ, start_response):
    match = _ID.search(environ.get("PATH_INFO", ""))
    if not match:
        return _respond(start_response, "404 Not Found", b'{"code": "not_found"}')
    with _Connection.get().cursor() as cursor:
        cursor.execute(_SELECT, (int(match.group(1)),))
        row = cursor.fetchone()
    if row is None:
        return _respond(start_response, "404 Not Found", b'{"code": "not_found"}')
    pid, sku, name, price, brand_id, brand_name, availability, created_at, updated_at, path = row
    body = {
        "id": pid,
        "sku": sku,
        "name": name,
        "price": str(price),
        "brand": {"id": brand_id, "name": brand_name},
        "category": {**path[-1], "path": path} if path else None,
        "availability": availability,
        "created_at": created_at.isoformat(),
        "updated_at": updated_at.isoformat(),
    }
    return _respond(start_response, "200 OK", json.dumps(body).encode())

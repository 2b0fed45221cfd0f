"""Two bare WSGI apps: the most the same gunicorn setup can serve, with and without PostgreSQL.

static_app  a fixed JSON body: gunicorn, HTTP and the machine, nothing else.
select_app  one primary-key SELECT of a product (joined with its brand, as the API reads it)
            over a persistent psycopg connection per worker, returned as JSON.

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
        "sku": "BENCH-0000001",
        "name": "Product 1",
        "price": "12.34",
        "brand": {"id": 1, "name": "Brand 001"},
        "created_at": "2025-01-01T00:00:00Z",
        "updated_at": "2025-01-01T00:00:00Z",
    }
).encode()

_PRODUCT_TABLE = os.environ.get("BENCH_PRODUCT_TABLE", "catalog_product")
_BRAND_TABLE = os.environ.get("BENCH_BRAND_TABLE", "catalog_brand")
# Table names come from the models (bench/seed.py); the id is a query parameter.
_SELECT = (
    f"SELECT p.id, p.sku, p.name, p.price, b.id, b.name, p.created_at, p.updated_at "
    f"FROM {_PRODUCT_TABLE} p JOIN {_BRAND_TABLE} b ON b.id = p.brand_id WHERE p.id = %s"
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
    pid, sku, name, price, brand_id, brand_name, created_at, updated_at = row
    body = {
        "id": pid,
        "sku": sku,
        "name": name,
        "price": str(price),
        "brand": {"id": brand_id, "name": brand_name},
        "created_at": created_at.isoformat(),
        "updated_at": updated_at.isoformat(),
    }
    return _respond(start_response, "200 OK", json.dumps(body).encode())

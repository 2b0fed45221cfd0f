"""Fills the benchmark database: brands, products and admins; prints what run.py needs.

    python -m bench.seed --products 10000 --brands 100

Rows are generated inside PostgreSQL (INSERT ... SELECT over generate_series): no Python loop
and no round trip per row, so a million products take seconds, not minutes. `--other-admins N`
adds N admins (with emails) whom every product change must notify: each PATCH then writes N
delivery rows in its transaction. Prints one JSON line: the id range, the table names and an
access token for the acting admin.
"""

import argparse
import json
import os
import secrets

import django


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--brands", type=int, default=100)
    parser.add_argument("--admin", default="bench-admin")
    parser.add_argument(
        "--other-admins", type=int, default=0, help="admins to notify of each change"
    )
    args = parser.parse_args()

    django.setup()
    from django.db import connection, transaction
    from rest_framework_simplejwt.tokens import AccessToken

    from catalog_service.accounts import services as account_services
    from catalog_service.analytics.models import AppliedCountBatch, ProductDailyViews
    from catalog_service.catalog.models import Brand, Product

    brand_table, product_table = Brand._meta.db_table, Product._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {brand_table} (name, created_at, updated_at) "
            f"SELECT 'Brand ' || lpad(g::text, 3, '0'), now(), now() "
            f"FROM generate_series(1, %s) AS g",
            [args.brands],
        )
        # Deterministic prices from 1.00 to 999.99; brands taken in turn.
        cursor.execute(
            f"INSERT INTO {product_table} (sku, name, price, brand_id, created_at, updated_at) "
            f"SELECT 'BENCH-' || lpad(g::text, 7, '0'), 'Product ' || g, "
            f"((g::bigint * 7919) %% 99900 + 100) / 100.0, b.ids[1 + g %% b.n], now(), now() "
            f"FROM generate_series(1, %s) AS g, "
            f"(SELECT array_agg(id ORDER BY id) AS ids, count(*) AS n FROM {brand_table}) AS b",
            [args.products],
        )
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {brand_table}, {product_table}")
        cursor.execute(f"SELECT min(id), max(id), count(*) FROM {product_table}")
        first_id, last_id, count = cursor.fetchone()

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
                "counts_table": ProductDailyViews._meta.db_table,
                "batches_table": AppliedCountBatch._meta.db_table,
                "admin": admin.username,
                "token": str(AccessToken.for_user(admin)),
            }
        )
    )


if __name__ == "__main__":
    main()

"""The database backend's health check, on a live API: connections PostgreSQL has closed
between requests are replaced before a request uses them, so no request fails."""

import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from django.db import connection
from rest_framework_simplejwt.tokens import RefreshToken

_OTHER_BACKENDS = (
    "SELECT pid FROM pg_stat_activity"
    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
)


def _backends_terminate() -> int:
    """Ends every other session on the test database, as a restart or an administrator does, and
    waits until they are gone. Returns how many there were."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT pg_terminate_backend(pid) FROM ({_OTHER_BACKENDS}) AS other")
        terminated = len(cursor.fetchall())
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            cursor.execute(_OTHER_BACKENDS)
            if not cursor.fetchall():
                break
            time.sleep(0.05)
    return terminated


@pytest.mark.parametrize("pooled", [False, True], ids=["persistent", "pooled"])
def test_connections_closed_by_the_server_are_replaced_before_use(
    live_api, admin_user, product, pooled
):
    # Persistent: one connection per gunicorn thread. Pooled: the development server's pool.
    server = live_api(DB_POOL_MAX_SIZE="4") if pooled else live_api(DB_CONN_MAX_AGE="600")
    token = RefreshToken.for_user(admin_user).access_token
    url = f"{server.url}/api/v1/product/{product.id}/"

    def admin_writes(count: int) -> list[int]:
        """Concurrent, so that many of the server's threads hold a connection."""

        def write(index: int) -> int:
            body = {"name": f"CD Player {index}"}
            headers = {"Authorization": f"Bearer {token}"}
            return requests.patch(url, json=body, headers=headers, timeout=10).status_code

        with ThreadPoolExecutor(8) as pool:
            return list(pool.map(write, range(count)))

    assert set(admin_writes(48)) == {200}
    assert _backends_terminate() >= 2  # the server held several persistent connections

    assert set(admin_writes(48)) == {200}
    product.refresh_from_db()
    assert product.name.startswith("CD Player ")


def test_bulk_statements_stay_within_the_parameters_the_server_binds(postgres):
    """20,000 rows of 4 columns: 80,000 values, more than one statement with server-side binding
    takes (65,535). Django's backend would send them in one statement; this one splits them."""
    from datetime import date

    from catalog_service.analytics.models import ProductDailyViews

    rows = [ProductDailyViews(product_id=pk, day=date(2026, 1, 1), views=1) for pk in range(20_000)]
    ProductDailyViews.objects.bulk_create(rows)
    assert ProductDailyViews.objects.count() == 20_000
    ids = [*ProductDailyViews.objects.values_list("id", flat=True), *range(-50_000, 0)]
    assert len(ProductDailyViews.objects.in_bulk(ids)) == 20_000  # 70,000 ids asked for

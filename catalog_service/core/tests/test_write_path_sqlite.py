"""The write path on SQLite too, the database `make run` embeds: the suite itself runs on
PostgreSQL, so the tests of writes, history and notifications run again here on SQLite."""

import pytest

from testing.sqlite import pytest_on_sqlite

WRITE_PATH_TESTS = [
    "catalog_service/catalog/tests/test_product_api.py",
    "catalog_service/catalog/tests/test_conditional_writes.py",
    "catalog_service/categories/tests/test_category_api.py",
    "catalog_service/notifications/tests/test_history_api.py",
    "catalog_service/notifications/tests/test_notifications.py",
]


@pytest.mark.timeout(600)
def test_write_path_tests_pass_on_sqlite():
    pytest_on_sqlite(*WRITE_PATH_TESTS, timeout=580)

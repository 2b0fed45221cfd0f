import pytest


@pytest.fixture
def cached(settings, redis_db):
    """The product cache on, and reads counted in Redis (the production setup)."""
    settings.PRODUCT_CACHE_SECONDS = 300
    settings.VIEW_COUNTING = "redis"
    return redis_db

"""Concurrent moves against the running API (gunicorn, several workers, PostgreSQL): two admins
moving two categories under each other at the same moment can never make a cycle together."""

from concurrent.futures import ThreadPoolExecutor
from threading import Barrier

import pytest
import requests
from rest_framework_simplejwt.tokens import RefreshToken

from catalog_service.accounts.tests.factories import AdminFactory
from catalog_service.categories.models import Category

from .factories import CategoryFactory

ROUNDS = 20


def no_cycle() -> bool:
    """Every category reaches a root by its parent links."""
    parents = dict(Category.objects.values_list("pk", "parent_id"))
    for start in parents:
        seen, node = set(), start
        while node is not None:
            if node in seen:
                return False
            seen.add(node)
            node = parents[node]
    return True


@pytest.mark.timeout(180)
def test_crossed_moves_from_two_admins_never_make_a_cycle(live_api, redis_db, settings):
    server = live_api(REDIS_URL=settings.REDIS_URL, THROTTLE_ANON_RATE="", THROTTLE_AUTH_RATE="")
    alice, bob = AdminFactory(), AdminFactory()
    tokens = [str(RefreshToken.for_user(admin).access_token) for admin in (alice, bob)]
    outcomes = []
    with ThreadPoolExecutor(max_workers=2) as pool:
        for _ in range(ROUNDS):
            a, b = CategoryFactory(), CategoryFactory()
            barrier = Barrier(2)

            def move(token, node, under, barrier=barrier):
                barrier.wait()
                return requests.patch(
                    f"{server.url}/api/v1/category/{node.pk}/",
                    json={"parent": under.pk},
                    headers={"Authorization": f"Bearer {token}"},
                    timeout=30,
                )

            responses = list(pool.map(move, tokens, (a, b), (b, a)))
            statuses = sorted(response.status_code for response in responses)
            outcomes.append(statuses)
            assert statuses == [200, 400], [r.text for r in responses]
            refused = next(r for r in responses if r.status_code == 400).json()
            assert refused["fields"]["parent"] == [
                "A category cannot be moved under itself or its own subcategories."
            ]
    assert no_cycle()
    assert len(outcomes) == ROUNDS

"""Fixtures shared by every test module."""

import pytest
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

from catalog_service.accounts.tests.factories import AdminFactory, UserFactory
from catalog_service.catalog.tests.factories import BrandFactory, ProductFactory


@pytest.fixture
def anon() -> APIClient:
    return APIClient()


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture
def admin_user(db):
    return AdminFactory()


@pytest.fixture
def admin(admin_user) -> APIClient:
    """An API client logged in as an admin (JWT bearer)."""
    return client_for(admin_user)


@pytest.fixture
def member_user(db):
    """An authenticated account without admin rights."""
    return UserFactory()


@pytest.fixture
def member(member_user) -> APIClient:
    return client_for(member_user)


@pytest.fixture
def brand(db):
    return BrandFactory(name="Denon")


@pytest.fixture
def product(brand):
    return ProductFactory(sku="00105-SKU", name="CD Player", brand=brand)

"""Every cell of the permission table: anonymous / non-admin / admin x endpoint x method."""

import pytest

from catalog_service.catalog.tests.factories import BrandFactory

ANON, MEMBER, ADMIN = "anon", "member", "admin"

# (method, path template, body) -> expected status per role
TABLE = [
    ("get", "/api/v1/product/", None, {ANON: 200, MEMBER: 200, ADMIN: 200}),
    ("get", "/api/v1/product/{product}/", None, {ANON: 200, MEMBER: 200, ADMIN: 200}),
    ("post", "/api/v1/product/", "product", {ANON: 401, MEMBER: 403, ADMIN: 201}),
    ("put", "/api/v1/product/{product}/", "product", {ANON: 401, MEMBER: 403, ADMIN: 200}),
    ("patch", "/api/v1/product/{product}/", {"name": "New"}, {ANON: 401, MEMBER: 403, ADMIN: 200}),
    ("delete", "/api/v1/product/{product}/", None, {ANON: 401, MEMBER: 403, ADMIN: 204}),
    ("get", "/api/v1/brand/", None, {ANON: 200, MEMBER: 200, ADMIN: 200}),
    ("get", "/api/v1/brand/{brand}/", None, {ANON: 200, MEMBER: 200, ADMIN: 200}),
    ("post", "/api/v1/brand/", {"name": "Sony"}, {ANON: 401, MEMBER: 403, ADMIN: 201}),
    ("put", "/api/v1/brand/{empty_brand}/", {"name": "Sony"}, {ANON: 401, MEMBER: 403, ADMIN: 200}),
    (
        "patch",
        "/api/v1/brand/{empty_brand}/",
        {"name": "JVC"},
        {ANON: 401, MEMBER: 403, ADMIN: 200},
    ),
    ("delete", "/api/v1/brand/{empty_brand}/", None, {ANON: 401, MEMBER: 403, ADMIN: 204}),
    ("get", "/api/v1/user/", None, {ANON: 401, MEMBER: 403, ADMIN: 200}),
    ("get", "/api/v1/user/{member_id}/", None, {ANON: 401, MEMBER: 403, ADMIN: 200}),
    ("post", "/api/v1/user/", "user", {ANON: 401, MEMBER: 403, ADMIN: 201}),
    ("put", "/api/v1/user/{member_id}/", "user", {ANON: 401, MEMBER: 403, ADMIN: 200}),
    (
        "patch",
        "/api/v1/user/{member_id}/",
        {"first_name": "E"},
        {ANON: 401, MEMBER: 403, ADMIN: 200},
    ),
    ("delete", "/api/v1/user/{member_id}/", None, {ANON: 401, MEMBER: 403, ADMIN: 204}),
]


def _body(kind, brand):
    if kind == "product":
        return {"sku": "NEW-1", "name": "Turntable", "price": "99.90", "brand": brand.id}
    if kind == "user":
        return {"username": "newadmin", "email": "n@example.com", "password": "s3cure-Passphrase"}
    return kind


@pytest.mark.parametrize("role", [ANON, MEMBER, ADMIN])
@pytest.mark.parametrize(("method", "path", "body", "expected"), TABLE)
def test_permission_table(request, role, method, path, body, expected, product, member_user):
    client = request.getfixturevalue(role)
    empty_brand = BrandFactory(name="No products")
    url = path.format(
        product=product.id,
        brand=product.brand_id,
        empty_brand=empty_brand.id,
        member_id=member_user.id,
    )
    response = getattr(client, method)(url, _body(body, product.brand), format="json")
    assert response.status_code == expected[role], response.content
    if response.status_code >= 400:
        assert response["Content-Type"] == "application/json"
        assert response.json()["code"] in ("not_authenticated", "permission_denied")
    if response.status_code == 401:
        assert response["WWW-Authenticate"].startswith("Bearer")

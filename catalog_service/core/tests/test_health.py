def test_healthz(anon):
    response = anon.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_database_and_migrations(anon, db):
    response = anon.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "migrations": "ok"}}


def test_csrf_returns_token_and_sets_cookie(anon):
    response = anon.get("/api/v1/csrf/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    token = response.json()["csrfToken"]
    assert token
    assert "csrftoken" in response.cookies

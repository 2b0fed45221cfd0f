from catalog_service.notifications.tests.conftest import smtp_server  # noqa: F401 - a fixture

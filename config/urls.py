from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from catalog_service.accounts import admin as accounts_admin
from catalog_service.accounts.api import (
    TokenBlacklistView,
    TokenObtainView,
    TokenRefreshView,
    TokenVerifyView,
    UserViewSet,
)
from catalog_service.catalog import anonymous, reports
from catalog_service.catalog.api import BrandViewSet, ProductViewSet
from catalog_service.categories.api import CategoryViewSet
from catalog_service.core import errors, health
from catalog_service.core.api import ApiRootView, CsrfTokenView
from catalog_service.inventory.api import (
    LocationViewSet,
    ReservationViewSet,
    StockLevelViewSet,
    StockMovementViewSet,
)
from catalog_service.notifications.api import NotificationViewSet, ProductChangeEventViewSet

router = DefaultRouter()
router.include_root_view = False
router.register("product", ProductViewSet, basename="product")
router.register("brand", BrandViewSet, basename="brand")
router.register("category", CategoryViewSet, basename="category")
router.register("location", LocationViewSet, basename="location")
router.register("stock/movement", StockMovementViewSet, basename="stock-movement")
router.register("stock", StockLevelViewSet, basename="stock")
router.register("reservation", ReservationViewSet, basename="reservation")
router.register("user", UserViewSet, basename="user")
router.register("event", ProductChangeEventViewSet, basename="event")
router.register("notification", NotificationViewSet, basename="notification")


def _router_view(name: str):
    return next(url.callback for url in router.urls if url.name == name)


# Anonymous product reads are answered (counted, cached) by catalog.anonymous; the rest by DRF.
product_fast_paths = [
    path(
        "product/",
        anonymous.anonymous_first(
            _router_view("product-list"), anonymous.product_page, anonymous.LIST_PARAMETERS
        ),
    ),
    path(
        "product/feed/",
        anonymous.anonymous_first(
            _router_view("product-feed"), anonymous.product_feed, anonymous.FEED_PARAMETERS
        ),
    ),
    path(
        "product/<int:pk>/",
        anonymous.anonymous_first(
            _router_view("product-detail"), anonymous.product_detail, anonymous.DETAIL_PARAMETERS
        ),
    ),
]

api_v1 = [
    *product_fast_paths,  # first: the most requested paths, resolved without trying the others
    path("", ApiRootView.as_view(), name="api-root"),
    path("csrf/", CsrfTokenView.as_view(), name="csrf"),
    path("token/", TokenObtainView.as_view(), name="token-obtain"),
    path("token/refresh/", TokenRefreshView.as_view(), name="token-refresh"),
    path("token/verify/", TokenVerifyView.as_view(), name="token-verify"),
    path("token/blacklist/", TokenBlacklistView.as_view(), name="token-blacklist"),
    path("report/views/", reports.ViewsReportView.as_view(), name="report-views"),
    path(
        "product/<int:product_id>/views/",
        reports.ProductViewsSeriesView.as_view(),
        name="product-views",
    ),
    path("", include("catalog_service.notifications.urls")),
    path("", include("catalog_service.bulk.urls")),
    *router.urls,
]

urlpatterns = [
    path("api/v1/", include(api_v1)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path("redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    # Ahead of the admin site: its login with rate limits, its own-password page via services.
    path("admin/login/", accounts_admin.login, name="admin-login"),
    path(
        "admin/password_change/",
        admin.site.admin_view(accounts_admin.password_change),
        name="admin-password-change",
    ),
    path("admin/", admin.site.urls),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    # Last: any other path answers the JSON 404, with DEBUG on too.
    re_path(r"^", errors.unknown_path),
]

handler400 = "catalog_service.core.errors.bad_request"
handler403 = "catalog_service.core.errors.permission_denied"
handler404 = "catalog_service.core.errors.page_not_found"
handler500 = "catalog_service.core.errors.server_error"

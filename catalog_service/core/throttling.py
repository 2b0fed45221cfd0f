from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import AnonRateThrottle


class AnonymousReadThrottle(AnonRateThrottle):
    """Limits anonymous clients per IP (X-Forwarded-For read through NUM_PROXIES)."""

    def allow_request(self, request, view):
        if request.method not in SAFE_METHODS:
            return True  # anonymous writes are refused by permissions anyway
        return super().allow_request(request, view)

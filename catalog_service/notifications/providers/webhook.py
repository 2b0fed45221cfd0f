import hashlib
import hmac
import json
import time

import requests
from django.core.exceptions import ImproperlyConfigured
from django.core.serializers.json import DjangoJSONEncoder

from .base import (
    Notification,
    NotificationProvider,
    ProviderPermanentError,
    ProviderTemporaryError,
)

SIGNATURE_HEADER = "X-Catalog-Signature"
DELIVERY_HEADER = "X-Catalog-Delivery"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """`t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>">`, so receivers can refuse replays."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


class WebhookProvider(NotificationProvider):
    """A signed JSON POST per change (for Slack or Teams relays, or any integration)."""

    name = "webhook"
    per_recipient = False

    def __init__(self, *, url: str, secret: str, timeout: float):
        self.url, self.secret, self.timeout = url, secret, timeout

    @classmethod
    def from_settings(cls, settings):
        if not settings.WEBHOOK_URL or not settings.WEBHOOK_SECRET:
            raise ImproperlyConfigured("The webhook channel needs WEBHOOK_URL and WEBHOOK_SECRET.")
        return cls(
            url=settings.WEBHOOK_URL,
            secret=settings.WEBHOOK_SECRET,
            timeout=settings.WEBHOOK_TIMEOUT,
        )

    def address(self) -> str:
        return self.url

    def send(self, notification: Notification) -> None:
        body = json.dumps(
            {
                "delivery_id": notification.delivery_id,
                "text": notification.text,
                **notification.payload,
            },
            cls=DjangoJSONEncoder,
        ).encode()
        headers = {
            "Content-Type": "application/json",
            DELIVERY_HEADER: str(notification.delivery_id),
            SIGNATURE_HEADER: signature(self.secret, int(time.time()), body),
        }
        try:
            response = requests.post(self.url, data=body, headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            raise ProviderTemporaryError(f"{exc.__class__.__name__}: {exc}") from exc
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise ProviderTemporaryError(f"webhook answered {response.status_code}")
        if response.status_code >= 400:
            raise ProviderPermanentError(
                f"webhook answered {response.status_code}: {response.text[:200]}"
            )

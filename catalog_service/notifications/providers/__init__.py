"""Notification channels. Adding one is a provider class plus one entry in PROVIDERS."""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .base import (
    Notification,
    NotificationProvider,
    ProviderError,
    ProviderPermanentError,
    ProviderTemporaryError,
)
from .console import ConsoleProvider
from .sendgrid import SendGridProvider
from .smtp import SmtpProvider
from .webhook import WebhookProvider

PROVIDERS: dict[str, type[NotificationProvider]] = {
    p.name: p for p in (ConsoleProvider, SmtpProvider, SendGridProvider, WebhookProvider)
}


def provider_get(name: str) -> NotificationProvider:
    try:
        provider_class = PROVIDERS[name]
    except KeyError:
        raise ImproperlyConfigured(
            f"Unknown notification channel {name!r} in NOTIFICATION_CHANNELS; "
            f"known: {sorted(PROVIDERS)}."
        ) from None
    return provider_class.from_settings(settings)


def providers_configured() -> dict[str, NotificationProvider]:
    """Every configured channel, built and checked (raises ImproperlyConfigured)."""
    return {name: provider_get(name) for name in settings.NOTIFICATION_CHANNELS}


__all__ = [
    "PROVIDERS",
    "Notification",
    "NotificationProvider",
    "ProviderError",
    "ProviderPermanentError",
    "ProviderTemporaryError",
    "provider_get",
    "providers_configured",
]

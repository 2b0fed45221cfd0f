from anymail.backends.sendgrid import EmailBackend
from anymail.exceptions import AnymailAPIError, AnymailError
from django.core.exceptions import ImproperlyConfigured

from .base import (
    Notification,
    NotificationProvider,
    ProviderPermanentError,
    ProviderTemporaryError,
)
from .smtp import email_message


class SendGridProvider(NotificationProvider):
    """Email through SendGrid's v3 API (django-anymail)."""

    name = "sendgrid"

    def __init__(self, *, api_key: str, api_url: str, from_email: str, timeout: float):
        self.options = {"api_key": api_key, "api_url": api_url, "timeout": timeout}
        self.from_email = from_email

    @classmethod
    def from_settings(cls, settings):
        if not settings.SENDGRID_API_KEY:
            raise ImproperlyConfigured("The sendgrid channel needs SENDGRID_API_KEY.")
        return cls(
            api_key=settings.SENDGRID_API_KEY,
            api_url=settings.SENDGRID_API_URL,
            from_email=settings.DEFAULT_FROM_EMAIL,
            timeout=settings.EMAIL_TIMEOUT,
        )

    def send(self, notification: Notification) -> None:
        backend = EmailBackend(fail_silently=False, **self.options)
        try:
            email_message(notification, self.from_email, backend).send()
        except AnymailAPIError as exc:
            status = exc.status_code
            if status is not None and 400 <= status < 500 and status not in (408, 429):
                raise ProviderPermanentError(
                    f"SendGrid {status}: {exc.describe_response()}"
                ) from exc
            raise ProviderTemporaryError(f"SendGrid {status or 'unreachable'}: {exc}") from exc
        except AnymailError as exc:  # refused recipients, invalid message
            raise ProviderPermanentError(str(exc)) from exc

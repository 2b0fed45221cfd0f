import smtplib

from django.core.exceptions import ImproperlyConfigured
from django.core.mail import BadHeaderError, EmailMultiAlternatives
from django.core.mail.backends.smtp import EmailBackend

from .base import (
    Notification,
    NotificationProvider,
    ProviderPermanentError,
    ProviderTemporaryError,
)


def message_id(notification: Notification, from_email: str) -> str:
    # Stable per delivery: a resend after an unclear failure is recognisable as the same mail.
    domain = from_email.rpartition("@")[2] or "catalog.invalid"
    return f"<delivery-{notification.delivery_id}@{domain}>"


def email_message(notification: Notification, from_email: str, connection=None):
    message = EmailMultiAlternatives(
        subject=notification.subject,
        body=notification.text,
        from_email=from_email,
        to=[notification.to],
        headers={"Message-ID": message_id(notification, from_email)},
        connection=connection,
    )
    message.attach_alternative(notification.html, "text/html")
    return message


class SmtpProvider(NotificationProvider):
    """Email over SMTP, with optional STARTTLS or SSL, optional login and a timeout."""

    name = "smtp"

    def __init__(self, *, host, port, username, password, use_tls, use_ssl, timeout, from_email):
        self.options = {
            "host": host,
            "port": port,
            "username": username,
            "password": password,
            "use_tls": use_tls,
            "use_ssl": use_ssl,
            "timeout": timeout,
        }
        self.from_email = from_email

    @classmethod
    def from_settings(cls, settings):
        if not settings.EMAIL_HOST:
            raise ImproperlyConfigured("The smtp channel needs EMAIL_HOST.")
        if settings.EMAIL_USE_TLS and settings.EMAIL_USE_SSL:
            raise ImproperlyConfigured("Set EMAIL_USE_TLS or EMAIL_USE_SSL, not both.")
        return cls(
            host=settings.EMAIL_HOST,
            port=settings.EMAIL_PORT,
            username=settings.EMAIL_HOST_USER,
            password=settings.EMAIL_HOST_PASSWORD,
            use_tls=settings.EMAIL_USE_TLS,
            use_ssl=settings.EMAIL_USE_SSL,
            timeout=settings.EMAIL_TIMEOUT,
            from_email=settings.DEFAULT_FROM_EMAIL,
        )

    def send(self, notification: Notification) -> None:
        connection = EmailBackend(fail_silently=False, **self.options)
        try:
            email_message(notification, self.from_email, connection).send()
        except BadHeaderError as exc:  # a message that cannot be built is never sent
            raise ProviderPermanentError(f"bad header: {exc}") from exc
        except smtplib.SMTPRecipientsRefused as exc:
            raise ProviderPermanentError(f"recipient refused: {exc.recipients}") from exc
        except smtplib.SMTPResponseException as exc:
            error = f"SMTP {exc.smtp_code}: {exc.smtp_error!r}"
            if 500 <= exc.smtp_code < 600:
                raise ProviderPermanentError(error) from exc
            raise ProviderTemporaryError(error) from exc
        except (smtplib.SMTPException, OSError) as exc:  # disconnects, refused, timeouts
            raise ProviderTemporaryError(f"{exc.__class__.__name__}: {exc}") from exc

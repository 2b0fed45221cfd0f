from dataclasses import dataclass
from typing import ClassVar, Self


class ProviderError(Exception):
    """A notification could not be sent."""


class ProviderTemporaryError(ProviderError):
    """May succeed later (timeout, connection refused, 5xx, 429): retried with backoff."""


class ProviderPermanentError(ProviderError):
    """Will never succeed as it is (bad address, 4xx): not retried."""


@dataclass(frozen=True)
class Notification:
    """One message for one recipient (or for the channel, when it is not per recipient)."""

    delivery_id: int
    subject: str
    text: str
    html: str
    payload: dict  # the change event as data, for machine channels
    to: str = ""  # the recipient's address; empty for channels that are not per recipient


class NotificationProvider:
    """A channel: a `name`, built from settings, sending one notification at a time."""

    name: ClassVar[str]
    # True: one delivery per recipient admin (email). False: one per change (a webhook).
    per_recipient: ClassVar[bool] = True

    @classmethod
    def from_settings(cls, settings) -> Self:
        """Builds the provider, raising ImproperlyConfigured when a setting it needs is missing."""
        return cls()

    def address(self) -> str:
        """Where a delivery that is not per recipient goes (shown in the delivery list)."""
        return ""

    def send(self, notification: Notification) -> None:
        raise NotImplementedError

import sys

from .base import Notification, NotificationProvider


class ConsoleProvider(NotificationProvider):
    """Prints each notification to standard output (the embedded development setup)."""

    name = "console"

    def send(self, notification: Notification) -> None:
        rule = "-" * 72
        sys.stdout.write(
            f"{rule}\nNotification to {notification.to}: {notification.subject}\n\n"
            f"{notification.text}\n{rule}\n"
        )
        sys.stdout.flush()

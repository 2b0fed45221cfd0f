import os
import secrets

from django.core.management.base import BaseCommand

from catalog_service.accounts import services
from catalog_service.accounts.models import User


class Command(BaseCommand):
    help = (
        "Creates an admin without prompts. The password comes from ADMIN_PASSWORD, or is "
        "generated and printed once. Does nothing if the username exists."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default=os.environ.get("ADMIN_USERNAME", "admin"))
        parser.add_argument("--email", default=os.environ.get("ADMIN_EMAIL", "admin@example.com"))

    def handle(self, *args, username, email, **options):
        if User.objects.filter(username__iexact=username).exists():  # unique ignoring case
            self.stdout.write(f"Admin {username!r} already exists; nothing changed.")
            return
        password = os.environ.get("ADMIN_PASSWORD") or secrets.token_urlsafe(12)
        services.user_create(username=username, email=email, password=password, is_superuser=True)
        self.stdout.write(self.style.SUCCESS(f"Created admin {username!r} <{email}>."))
        if "ADMIN_PASSWORD" not in os.environ:
            self.stdout.write(f"Password (shown once): {password}")

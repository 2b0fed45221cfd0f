import os
import secrets

from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand
from django.db import transaction

from catalog_service.accounts import services
from catalog_service.accounts.models import User

GROUP = "order-system"


class Command(BaseCommand):
    help = (
        "Creates the order system's service account: not an admin, a member of the group "
        f"{GROUP!r}, which may read stock and hold, commit and release reservations, and nothing "
        "else. The password comes from SERVICE_ACCOUNT_PASSWORD, or is generated and printed "
        "once; the account signs in at token/ like anyone. Adds an existing account to the group."
    )

    def add_arguments(self, parser):
        parser.add_argument("--username", default="order-system")

    @transaction.atomic
    def handle(self, *args, username, **options):
        group, _ = Group.objects.get_or_create(name=GROUP)
        group.permissions.add(
            Permission.objects.get(content_type__app_label="inventory", codename="hold_reservation")
        )
        user = User.objects.filter(username__iexact=username).first()
        password = None
        if user is None:
            password = os.environ.get("SERVICE_ACCOUNT_PASSWORD") or secrets.token_urlsafe(16)
            user = services.user_create(username=username, password=password, is_staff=False)
        user.groups.add(group)
        self.stdout.write(self.style.SUCCESS(f"{user.username!r} is in {GROUP!r}."))
        if password and "SERVICE_ACCOUNT_PASSWORD" not in os.environ:
            self.stdout.write(f"Password (shown once): {password}")

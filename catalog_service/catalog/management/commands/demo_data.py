"""The demo database the old system's Postman collection (postman/Luuna.postman_collection.json)
was written against: its requests name fixed ids (user/1/, user/4/, product/13/, brand 4 in a
body, ...), so every one of them must exist at that id.

The services take no ids, so the rows are created in id order on empty tables whose sequences
start at 1, and each id is checked as it comes out.
"""

import os
import secrets
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.core.management.color import no_style
from django.db import connection, transaction
from rest_framework.exceptions import ValidationError

from catalog_service.accounts.models import User
from catalog_service.accounts.services import user_create
from catalog_service.catalog.models import Brand, Product
from catalog_service.catalog.services import brand_create, product_create

PASSWORD_VARIABLE = "DEMO_ADMIN_PASSWORD"

# id 1 logs in (the collection's `username`) and is edited by "user / Edit".
ADMIN = {"username": "admin", "email": "admin@example.com", "is_superuser": True}
# ids 2-4; "user / delete user" deletes id 4. Their passwords are random and never shown.
USERS = (
    {"username": "editor", "email": "editor@example.com", "first_name": "Ana", "is_staff": True},
    {"username": "member", "email": "member@example.com", "first_name": "Luis", "is_staff": False},
    {"username": "leaver", "email": "leaver@example.com", "first_name": "Sofia", "is_staff": True},
)
# ids 1-4: 1 is renamed and 4 receives the new product; 2 is deleted, so it has no products.
BRANDS = ("Aurora Sleep", "Brisa Home", "Cumbre Audio", "Delta Sound")
# ids 1-18: 1 and 16 are read, 13 is edited, 18 is deleted. (sku, name, price, brand id)
PRODUCTS = (
    ("00001-SKU", "Memory Foam Mattress Queen", "899.00", 1),
    ("00002-SKU", "Memory Foam Mattress King", "1049.00", 1),
    ("00003-SKU", "Hybrid Mattress Twin", "549.50", 1),
    ("00004-SKU", "Memory Foam Pillow", "59.90", 1),
    ("00005-SKU", "Cooling Pillow", "74.00", 1),
    ("00006-SKU", "Weighted Blanket", "129.00", 1),
    ("00007-SKU", "Mattress Protector Queen", "45.00", 1),
    ("00008-SKU", "Bookshelf Speakers", "249.99", 3),
    ("00009-SKU", "Stereo Amplifier", "399.00", 3),
    ("00010-SKU", "Turntable", "329.00", 3),
    ("00011-SKU", "Speaker Cable 5 m", "19.50", 3),
    ("00012-SKU", "Subwoofer", "299.00", 3),
    ("00013-SKU", "Portable Radio", "35.00", 3),
    ("00014-SKU", "Soundbar", "279.00", 4),
    ("00015-SKU", "Wireless Headphones", "189.00", 4),
    ("00016-SKU", "AV Receiver", "549.00", 4),
    ("00017-SKU", "Earbuds", "79.00", 4),
    ("00018-SKU", "Headphone Stand", "24.50", 4),
)
MODELS = (User, Brand, Product)


class Command(BaseCommand):
    help = (
        "Loads the demo data the old system's Postman collection assumes (users 1-4, brands 1-4, "
        f"products 1-18) into an empty database. Needs DEBUG on and {PASSWORD_VARIABLE} (the "
        "password of `admin`). Does nothing if those rows (same ids, usernames, brand names and "
        "SKUs) are already there; refuses any other non-empty database."
    )

    def handle(self, *args, **options):
        if not settings.DEBUG:
            raise CommandError("Demo data is for local and test databases: refused with DEBUG off.")
        password = os.environ.get(PASSWORD_VARIABLE)
        if not password:
            raise CommandError(f"Set {PASSWORD_VARIABLE} to the password the `admin` user gets.")
        if _demo_loaded():
            self.stdout.write("The demo data is already there; nothing changed.")
            return
        if any(model.objects.exists() for model in MODELS):
            found = ", ".join(f"{m._meta.verbose_name_plural}: {m.objects.count()}" for m in MODELS)
            raise CommandError(
                f"The database is not empty ({found}). The demo data has fixed ids, "
                "so it loads into an empty database only: migrate a fresh one (e.g. "
                "DATABASE_URL=sqlite:///var/demo.sqlite3) and run this command against it."
            )
        try:
            with transaction.atomic():
                _load(password)
        except ValidationError as exc:  # the services' rules, e.g. a too weak password
            raise CommandError(f"Refused, nothing was loaded: {exc.detail}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded {1 + len(USERS)} users (admin is id 1), {len(BRANDS)} brands and "
                f"{len(PRODUCTS)} products."
            )
        )


def _demo_loaded() -> bool:
    users = [ADMIN["username"], *(user["username"] for user in USERS)]
    return (
        list(User.objects.order_by("pk").values_list("pk", "username"))
        == list(enumerate(users, start=1))
        and list(Brand.objects.order_by("pk").values_list("pk", "name"))
        == list(enumerate(BRANDS, start=1))
        and list(Product.objects.order_by("pk").values_list("pk", "sku"))
        == [(pk, product[0]) for pk, product in enumerate(PRODUCTS, start=1)]
    )


def _load(password: str) -> None:
    # Empty tables may still have advanced sequences (deleted rows): start them at 1 again.
    sequences = [{"table": model._meta.db_table, "column": "id"} for model in MODELS]
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_by_name_sql(no_style(), sequences):
            cursor.execute(sql)

    admin = _expect_id(1, user_create(password=password, **ADMIN))
    brands = {
        pk: _expect_id(pk, brand_create(name=name)) for pk, name in enumerate(BRANDS, start=1)
    }
    for pk, (sku, name, price, brand) in enumerate(PRODUCTS, start=1):
        product = product_create(
            actor=admin, sku=sku, name=name, price=Decimal(price), brand=brands[brand]
        )
        _expect_id(pk, product)
    # The other admins come after the products, so loading notifies nobody.
    for pk, user in enumerate(USERS, start=2):
        _expect_id(pk, user_create(password=secrets.token_urlsafe(16), **user))


def _expect_id(pk: int, instance):
    if instance.pk != pk:
        raise CommandError(
            f"{instance._meta.verbose_name} {instance} got id {instance.pk} instead of {pk}; "
            "nothing was loaded."
        )
    return instance

"""CSV imports: checked before anything is written, rows reported with the API's codes, the
mode deciding what a bad row costs, one summary per other admin."""

import io
from datetime import timedelta
from decimal import Decimal

import pytest

from catalog_service.accounts.tests.factories import AdminFactory
from catalog_service.bulk import imports
from catalog_service.bulk.models import ImportFile, ImportJob
from catalog_service.catalog.models import Brand, Product, TrashedProduct
from catalog_service.catalog.tests.factories import ProductFactory
from catalog_service.categories.models import Category
from catalog_service.notifications.models import Delivery, ProductChangeEvent

URL = "/api/v1/product/import/"
HEADER = "sku,name,price,brand,category\n"


def csv_of(rows, header=HEADER) -> bytes:
    return (header + "".join(",".join(row) + "\n" for row in rows)).encode()


def run(content: bytes, actor=None, **options) -> ImportJob:
    job = imports.job_create(content=content, actor=actor, **options)
    imports.job_run(job.pk)
    job.refresh_from_db()
    return job


def upload(client, content: bytes, query: str = "", **extra):
    return client.generic("POST", f"{URL}{query}", content, content_type="text/csv", **extra)


@pytest.fixture
def denon(db):
    return Brand.objects.create(name="Denon")


def test_upload_answers_202_with_the_job_and_its_location(
    admin, denon, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(admin, csv_of([["A-1", "Amp", "10.00", "Denon", ""]]))
    assert response.status_code == 202, response.content
    body = response.json()
    assert response["Location"].endswith(f"{URL}{body['id']}/")
    assert (body["status"], body["rows_total"], body["dry_run"]) == ("pending", 1, False)
    job = admin.get(response["Location"]).json()  # the worker (eager here) ran it at commit
    assert (job["status"], job["created"], job["errors"]) == ("succeeded", 1, [])
    assert Product.objects.get(sku="A-1").brand == denon
    assert not ImportFile.objects.exists()  # dropped once the job ended


def test_multipart_file_field_is_taken_too(admin, denon, django_capture_on_commit_callbacks):
    upload_file = io.BytesIO(csv_of([["A-1", "Amp", "10.00", "Denon", ""]]))
    upload_file.name = "products.csv"
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(URL, {"file": upload_file}, format="multipart")
    assert response.status_code == 202, response.content
    assert response.json()["filename"] == "products.csv"
    assert Product.objects.filter(sku="A-1").exists()


@pytest.mark.parametrize(
    ("content", "status", "code"),
    [
        (
            "sku,name,price,brand\nA-1,Caf\xe9,1.00,Denon\n".encode("latin-1"),
            400,
            "invalid_encoding",
        ),
        (b"sku,name,cost,brand\nA-1,Amp,1.00,Denon\n", 400, "invalid_header"),
        (b"sku,name,brand\nA-1,Amp,Denon\n", 400, "invalid_header"),
        (b"sku,sku,name,price,brand\n", 400, "invalid_header"),
        (b"", 400, "empty_file"),
        (b"sku,name,price,brand\n", 400, "empty_file"),
        (b"sku,name,price,brand\n" + b"A,B,1,Denon\n" * 6, 400, "too_many_rows"),
        (b"sku,name,price,brand\n" + b"x" * 300, 413, "file_too_large"),
    ],
)
def test_a_file_that_cannot_be_imported_is_refused_before_anything(
    admin, denon, settings, content, status, code
):
    settings.IMPORT_MAX_ROWS, settings.IMPORT_MAX_BYTES = 5, 250
    response = upload(admin, content)
    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert not ImportJob.objects.exists() and not Product.objects.exists()


def test_no_file_is_400(admin):
    response = admin.post(URL, {}, format="multipart")
    assert (response.status_code, response.json()["code"]) == (400, "file_missing")


def test_bad_options_are_400(admin, denon):
    response = upload(admin, csv_of([["A-1", "Amp", "1", "Denon", ""]]), "?mode=some&dry_run=x")
    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"mode", "dry_run"}


def test_import_is_for_admins_only(anon, member, db):
    assert upload(anon, csv_of([])).status_code == 401
    assert upload(member, csv_of([])).status_code == 403


def test_a_large_file_passes_the_request_size_guard(admin, denon, settings):
    rows = [[f"S-{i}", "N" * 150, "1.00", "Denon", ""] for i in range(8000)]
    content = csv_of(rows)
    assert len(content) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE  # what other requests may send
    response = upload(admin, content, "?dry_run=true")
    assert response.status_code == 202, response.content
    assert response.json()["rows_total"] == 8000


def _with_three_bad_rows(n: int) -> tuple[bytes, list[tuple[int, str, str]]]:
    rows = [[f"SKU-{i:05d}", f"Product {i}", f"{i % 500}.99", "Denon", ""] for i in range(n)]
    rows[100][2] = "abc"  # line 102: price not a number
    rows[5000][3] = "Nobody"  # line 5002: no such brand
    rows[9998][0] = "SKU-00007"  # line 10000: the SKU of line 9
    bad = [
        (102, "price", "invalid"),
        (5002, "brand", "does_not_exist"),
        (10000, "sku", "duplicate"),
    ]
    return csv_of(rows), bad


def _reported(job: ImportJob) -> list[tuple[int, str, str]]:
    return [(error["line"], error["column"], error["code"]) for error in job.errors]


def test_ten_thousand_rows_with_three_bad_ones_in_each_mode(denon, admin_user):
    content, bad = _with_three_bad_rows(10_000)

    dry = run(content, admin_user, dry_run=True)
    assert (dry.status, _reported(dry)) == ("succeeded", bad)
    assert (dry.created, dry.updated, dry.unchanged, dry.failed) == (9997, 0, 0, 3)
    assert not Product.objects.exists()

    strict = run(content, admin_user)
    assert (strict.status, _reported(strict), strict.created) == ("failed", bad, 0)
    assert "nothing was written" in strict.message
    assert not Product.objects.exists()

    lenient = run(content, admin_user, mode="apply_valid")
    assert (lenient.status, _reported(lenient)) == ("succeeded", bad)
    assert (lenient.created, lenient.failed) == (9997, 3)
    assert Product.objects.count() == 9997
    assert Product.objects.get(sku="SKU-00007").name == "Product 7"  # the first one wins


def test_upsert_by_sku_and_a_second_run_changes_nothing_and_tells_nobody(
    denon, admin_user, settings
):
    settings.NOTIFICATION_CHANNELS = ["console"]
    AdminFactory.create_batch(2)
    existing = ProductFactory(sku="OLD-1", name="Old", price=Decimal("5.00"), brand=denon)
    content = csv_of(
        [["old-1", "Renamed", "6.00", "Denon", ""], ["NEW-1", "New", "1.50", "Denon", ""]]
    )
    first = run(content, admin_user)
    assert (first.created, first.updated, first.unchanged) == (1, 1, 0)
    existing.refresh_from_db()
    assert (existing.sku, existing.name, existing.price) == ("old-1", "Renamed", Decimal("6.00"))
    # Each product's history shows its own change; nobody was told of it one by one.
    events = ProductChangeEvent.objects.order_by("pk")
    assert [(e.product_sku, e.action) for e in events] == [
        ("old-1", "updated"),
        ("NEW-1", "created"),
    ]
    assert not Delivery.objects.filter(event__isnull=False).exists()
    summaries = Delivery.objects.filter(event__isnull=True)
    assert summaries.count() == 2  # one per other admin
    assert "1 created, 1 updated, 0 unchanged, 0 failed" in summaries.first().message["subject"]

    deliveries, history = Delivery.objects.count(), ProductChangeEvent.objects.count()
    second = run(content, admin_user)
    assert (second.created, second.updated, second.unchanged) == (0, 0, 2)
    assert (Delivery.objects.count(), ProductChangeEvent.objects.count()) == (deliveries, history)


def test_summary_mail_reaches_each_other_admin_once(denon, admin_user, smtp_server):
    others = AdminFactory.create_batch(3)
    rows = [[f"S-{i}", f"P {i}", "1.00", "Denon", ""] for i in range(50)]
    job = run(csv_of(rows), admin_user)
    assert job.created == 50
    from catalog_service.notifications.services import delivery_attempt

    for delivery_id in Delivery.objects.values_list("pk", flat=True):
        delivery_attempt(delivery_id)
    assert smtp_server.inbox.recipients() == sorted(admin.email for admin in others)
    message = smtp_server.inbox.messages[0]
    assert "50 created" in message["Subject"]
    assert f"/api/v1/product/import/{job.pk}/" in message.get_body(("plain",)).get_content()


def test_brands_and_categories_by_name_or_path_created_only_when_asked(admin_user, denon):
    furniture = Category.objects.create(name="Furniture", slug="furniture")
    Category.objects.create(name="Chairs", slug="chairs", parent=furniture)
    content = csv_of(
        [
            ["C-1", "Chair", "10.00", "denon", "Furniture > Chairs"],
            ["C-2", "Lamp", "10.00", "Lumo", "Lighting > Desk lamps"],
            ["C-3", "Stool", "10.00", "Denon", "chairs"],
        ]
    )
    refused = run(content, admin_user)
    assert _reported(refused) == [(3, "brand", "does_not_exist"), (3, "category", "does_not_exist")]
    made = run(content, admin_user, create_missing=True)
    assert (made.status, made.created) == ("succeeded", 3)
    lamp = Product.objects.select_related("brand", "category__parent").get(sku="C-2")
    assert (lamp.brand.name, lamp.category.name, lamp.category.parent.name) == (
        "Lumo",
        "Desk lamps",
        "Lighting",
    )
    assert Product.objects.get(sku="C-3").category.name == "Chairs"


def test_an_ambiguous_category_name_asks_for_the_path(admin_user, denon):
    for parent in ("Home", "Office"):
        Category.objects.create(
            name="Lamps",
            slug="lamps",
            parent=Category.objects.create(name=parent, slug=parent.lower()),
        )
    job = run(csv_of([["L-1", "Lamp", "1.00", "Denon", "Lamps"]]), admin_user)
    assert _reported(job) == [(2, "category", "ambiguous")]


def test_row_errors_carry_the_api_codes(admin_user, denon):
    ProductFactory(sku="GONE-1", brand=denon)
    TrashedProduct.objects.create(
        pk=Product.objects.get(sku="GONE-1").pk,
        **{
            f: getattr(Product.objects.get(sku="GONE-1"), f)
            for f in ("sku", "name", "price", "brand", "availability", "created_at", "updated_at")
        },
        trashed_at=Product.objects.get(sku="GONE-1").created_at,
    )
    Product.objects.filter(sku="GONE-1").delete()
    content = csv_of(
        [
            ["", "No SKU", "1.00", "Denon", ""],
            ["P-2", "N" * 201, "1.00", "Denon", ""],
            ["P-3", "Neg", "-1", "Denon", ""],
            ["P-4", "Two\nlines", "1.00", "Denon", ""],
            ["GONE-1", "Back", "1.00", "Denon", ""],
            ["P-6", "Short row", "1.00"],
        ]
    )
    job = run(content.replace(b"Two\nlines", b'"Two\nlines"'), admin_user, dry_run=True)
    assert _reported(job) == [
        (2, "sku", "blank"),
        (3, "name", "max_length"),
        (4, "price", "min_value"),
        (5, "name", "control_characters"),
        (7, "sku", "sku_in_trash"),
        (8, "", "invalid"),
    ]


def test_a_row_that_fails_while_writing_is_named_and_the_batch_still_written(denon, admin_user):
    """The slow lane: a SKU taken between the batch's lookup and its insert (here, a row whose
    lookup key misses the product that has it) fails the batch's one insert; the batch is
    written again row by row and only that row is lost."""
    ProductFactory(sku="TAKEN-1", brand=denon)
    job = imports.job_create(content=csv_of([["X", "X", "1", "Denon", ""]]), actor=admin_user)
    run_ = imports._Run(job, ["sku", "name", "price", "brand", "category"])
    rows = [
        imports._Row(
            2, "new-1", {"sku": "NEW-1", "name": "N", "price": Decimal(1), "brand": denon}
        ),
        imports._Row(
            3, "missed", {"sku": "TAKEN-1", "name": "T", "price": Decimal(1), "brand": denon}
        ),
        imports._Row(
            4, "new-2", {"sku": "NEW-2", "name": "N", "price": Decimal(1), "brand": denon}
        ),
    ]
    outcome = imports._Outcome()
    imports._write_rows(run_, rows, outcome)
    assert (outcome.created, outcome.failed) == (2, 1)
    assert [(e["line"], e["column"], e["code"]) for e in outcome.errors] == [
        (3, "sku", "sku_taken")
    ]
    assert set(Product.objects.values_list("sku", flat=True)) == {"TAKEN-1", "NEW-1", "NEW-2"}
    history = ProductChangeEvent.objects.values_list("product_sku", flat=True)
    assert sorted(history) == ["NEW-1", "NEW-2"]  # nothing of the undone batch is left


def test_a_job_left_pending_is_queued_again_and_runs_once(denon, admin_user):
    """The broker was down at the upload: the job waits, pending, for the periodic resume."""
    from catalog_service.bulk import tasks

    job = imports.job_create(content=csv_of([["R-1", "R", "1.00", "Denon", ""]]), actor=admin_user)
    assert imports.jobs_left_pending() == []  # just uploaded: its task may still come
    ImportJob.objects.filter(pk=job.pk).update(created_at=job.created_at - timedelta(minutes=2))
    assert tasks.imports_resume() == 1  # eager here: it ran
    job.refresh_from_db()
    assert (job.status, job.created) == ("succeeded", 1)
    assert tasks.imports_resume() == 0
    imports.job_run(job.pk)  # a second delivery of its task does nothing
    assert Product.objects.filter(sku="R-1").count() == 1

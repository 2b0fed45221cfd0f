"""Product imports from the catalog's CSV (columns.py): an upsert by SKU, run as a job.

The upload is checked whole before the job exists (size, encoding, header, row count), so a
file refused writes nothing. The worker then reads it in batches of IMPORT_BATCH rows. Every row
goes through the catalog's services (product_create, product_update), so it is validated,
recorded in its product's history and published as an event like any other write; a row that
changes nothing writes nothing. Inside changes_in_bulk() the admins are not told of each
product: the job ends with one summary to each other admin.

Modes: all_or_nothing (default) validates every row first and writes nothing if one is bad,
then writes all rows in one transaction; apply_valid writes the good rows a batch per
transaction and reports the bad ones. A dry run validates and reports, and writes nothing.
"""

import csv
import io
import logging
from collections.abc import Callable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.html import escape
from rest_framework import serializers
from rest_framework.exceptions import APIException, ValidationError

from catalog_service.catalog import cache as product_cache
from catalog_service.catalog import services as catalog
from catalog_service.catalog.models import Brand, Product, TrashedProduct
from catalog_service.catalog.serializers import ProductInputSerializer
from catalog_service.catalog.signals import changes_in_bulk
from catalog_service.categories import services as categories
from catalog_service.categories.models import Category
from catalog_service.core.exceptions import ConflictError
from catalog_service.core.spreadsheet import cell_unescaped
from catalog_service.core.text import header_safe, identifier_normalized
from catalog_service.notifications.services import summary_notify

from .columns import CATEGORY_SEPARATOR, COLUMNS, IMPORTED, REQUIRED
from .models import ImportFile, ImportJob

logger = logging.getLogger(__name__)


class ImportRefusedError(APIException):
    """The upload as a whole cannot be imported: nothing is queued."""

    status_code = 400
    default_code = "import_refused"


class FileTooLargeError(ImportRefusedError):
    status_code = 413
    default_code = "file_too_large"


# --- the upload, checked before the job exists ---------------------------------------------


def _text(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")  # a spreadsheet's BOM is not part of the header
    except UnicodeDecodeError as exc:
        raise ImportRefusedError(
            f"The file is not UTF-8 (byte {exc.start}): save it as CSV UTF-8.",
            code="invalid_encoding",
        ) from None


def _header(reader) -> list[str]:
    try:
        names = [name.strip().lower() for name in next(reader)]
    except StopIteration:
        raise ImportRefusedError("The file is empty.", code="empty_file") from None
    except csv.Error as exc:
        raise ImportRefusedError(f"The header cannot be read: {exc}", code="invalid_csv") from None
    expected = f"expected columns: {', '.join(COLUMNS)} (category and {READ_ONLY_TEXT} optional)"
    if unknown := [name for name in names if name not in COLUMNS]:
        raise ImportRefusedError(
            f"Unknown column(s) {', '.join(map(repr, unknown))}; {expected}.", code="invalid_header"
        )
    if duplicated := sorted({name for name in names if names.count(name) > 1}):
        raise ImportRefusedError(
            f"Column(s) {', '.join(duplicated)} given more than once.", code="invalid_header"
        )
    if missing := [name for name in REQUIRED if name not in names]:
        raise ImportRefusedError(
            f"Missing column(s) {', '.join(missing)}; {expected}.", code="invalid_header"
        )
    return names


READ_ONLY_TEXT = ", ".join(name for name in COLUMNS if name not in IMPORTED)


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """(line, cells) of each record after the header; the line is where the record starts in
    the file (a quoted cell may span lines). Blank lines are skipped."""
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader)
    line = reader.line_num + 1
    for cells in reader:
        if cells:
            yield line, cells
        line = reader.line_num + 1


def upload_checked(content: bytes) -> int:
    """The number of rows of an upload that can be imported; refuses one that cannot
    (ImportRefusedError, with its code) before anything is written."""
    if len(content) > settings.IMPORT_MAX_BYTES:
        raise FileTooLargeError(
            f"The file has {len(content)} bytes; the limit is {settings.IMPORT_MAX_BYTES}."
        )
    text = _text(content)
    _header(csv.reader(io.StringIO(text, newline="")))
    rows = 0
    try:
        for _ in _records(text):
            rows += 1
            if rows > settings.IMPORT_MAX_ROWS:
                raise ImportRefusedError(
                    f"The file has more than {settings.IMPORT_MAX_ROWS} rows; split it.",
                    code="too_many_rows",
                )
    except csv.Error as exc:
        raise ImportRefusedError(f"The file is not valid CSV: {exc}", code="invalid_csv") from None
    if not rows:
        raise ImportRefusedError("The file has a header but no rows.", code="empty_file")
    return rows


@transaction.atomic
def job_create(
    *,
    content: bytes,
    actor,
    mode: str = ImportJob.Mode.ALL_OR_NOTHING,
    dry_run: bool = False,
    create_missing: bool = False,
    filename: str = "",
) -> ImportJob:
    """A pending job for a checked upload. The caller queues it once this commits."""
    rows_total = upload_checked(content)
    job = ImportJob.objects.create(
        mode=mode,
        dry_run=dry_run,
        create_missing=create_missing,
        filename=filename[:255],
        rows_total=rows_total,
        created_by=actor,
    )
    ImportFile.objects.create(job=job, content=content)
    return job


# --- rows --------------------------------------------------------------------------------------

# The fields of the API's input checked as the API checks them (same limits, same codes); brand
# and category are names here, resolved against the catalog below.
_PLAIN = tuple(
    name
    for name in IMPORTED
    if not isinstance(ProductInputSerializer._declared_fields[name], serializers.RelatedField)
)
_PlainFields = serializers.SerializerMetaclass(
    "_PlainFields",
    (serializers.Serializer,),
    {name: ProductInputSerializer._declared_fields[name] for name in _PLAIN},
)
_PLAIN_FIELDS = _PlainFields()  # run_validation only: one instance serves every row


@dataclass(frozen=True)
class _New:
    """A brand or category the file names and the catalog lacks, created when written."""

    names: tuple[str, ...]  # a brand: its name; a category: its path from the root


@dataclass
class _Row:
    line: int
    key: str  # the SKU, normalised and lowercased: what makes two SKUs the same
    data: dict  # field -> value as the services take it (a Brand, a Category, None or _New)


@dataclass
class _Outcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    errors: list = field(default_factory=list)

    def error(self, line: int, column: str, code: str, message: str) -> None:
        self.failed += 1
        if len(self.errors) < settings.IMPORT_MAX_ERRORS:
            self.errors.append({"line": line, "column": column, "code": code, "message": message})

    def add(self, other: "_Outcome") -> None:
        self.created += other.created
        self.updated += other.updated
        self.unchanged += other.unchanged
        for error in other.errors:
            self.error(**error)
        self.failed += other.failed - len(other.errors)


class _RowError(Exception):
    def __init__(self, column: str, code: str, message: str):
        super().__init__(message)
        self.column, self.code, self.message = column, code, message


def _service_errors(exc: Exception) -> list[tuple[str, str, str]]:
    """(column, code, message) of an error a service raised, with the codes the API answers."""
    if isinstance(exc, ConflictError):
        return [(exc.field or "", exc.get_codes(), str(exc.detail))]
    if isinstance(exc, ValidationError):
        found = []
        details = exc.detail if isinstance(exc.detail, dict) else {"": exc.detail}
        for column, items in details.items():
            for item in items if isinstance(items, list) else [items]:
                found.append((column, getattr(item, "code", "invalid"), str(item)))
        return found
    raise exc


class _Catalog:
    """The brands and categories an import names, read once per job (catalogs have hundreds or
    thousands of them, not millions), and what the job created of them."""

    def __init__(self, create_missing: bool):
        self.create_missing = create_missing
        self.brands = {brand.name.lower(): brand for brand in Brand.objects.all()}
        nodes = {node.pk: node for node in Category.objects.all()}
        self.categories: dict[tuple[str, ...], Category] = {}
        self.by_name: dict[str, list[Category]] = {}
        for node in nodes.values():
            path, up = [], node
            while up is not None:
                path.append(up.name.lower())
                up = nodes.get(up.parent_id)
            self.categories[tuple(reversed(path))] = node
            self.by_name.setdefault(node.name.lower(), []).append(node)

    def brand(self, text: str):
        name = identifier_normalized(text)
        if not name:
            raise _RowError("brand", "blank", "This field may not be blank.")
        found = self.brands.get(name.lower())
        if found is not None:
            return found
        if self.create_missing:
            return _New((name,))
        raise _RowError("brand", "does_not_exist", f"No brand named {name!r}.")

    def category(self, text: str):
        if not text.strip():
            return None
        names = tuple(
            identifier_normalized(part) for part in text.split(CATEGORY_SEPARATOR.strip())
        )
        if not all(names):
            raise _RowError("category", "invalid", f"{text!r} has an empty category name.")
        key = tuple(name.lower() for name in names)
        found = self.categories.get(key)
        if found is None and len(key) == 1:  # a name alone, if only one category has it
            same = self.by_name.get(key[0], [])
            if len(same) > 1:
                raise _RowError(
                    "category",
                    "ambiguous",
                    f"{len(same)} categories are named {names[0]!r}: give its path "
                    f"(Parent{CATEGORY_SEPARATOR}{names[0]}).",
                )
            found = same[0] if same else None
        if found is not None:
            return found
        if self.create_missing:
            return _New(names)
        raise _RowError("category", "does_not_exist", f"No category {text.strip()!r}.")

    def brand_made(self, new: _New) -> Brand:
        name = new.names[0]
        brand = self.brands.get(name.lower())
        if brand is None:
            brand = catalog.brand_create(name=name)
            self.brands[name.lower()] = brand
        return brand

    def category_made(self, new: _New) -> Category:
        parent = None
        for depth in range(1, len(new.names) + 1):
            key = tuple(name.lower() for name in new.names[:depth])
            node = self.categories.get(key)
            if node is None:
                node = categories.category_create(name=new.names[depth - 1], parent=parent)
                self.categories[key] = node
                self.by_name.setdefault(key[-1], []).append(node)
            parent = node
        return parent

    def forget_created(self) -> None:
        """After a rollback: what was created in it is gone again."""
        self.__init__(self.create_missing)


class _Run:
    """One job's pass over its rows: checks each, and (unless only checking) writes it."""

    def __init__(self, job: ImportJob, columns: list[str]):
        self.job = job
        self.columns = columns
        self.catalog = _Catalog(job.create_missing)
        self.seen: dict[str, int] = {}  # SKU key -> the line that first named it

    def checked(self, line: int, cells: list[str], outcome: _Outcome) -> _Row | None:
        """The row ready for the services, or None (its errors are in `outcome`)."""
        if len(cells) != len(self.columns):
            outcome.error(
                line,
                "",
                "invalid",
                f"Expected {len(self.columns)} cells, found {len(cells)}.",
            )
            return None
        values = {
            name: cell_unescaped(cell)
            for name, cell in zip(self.columns, cells, strict=True)
            if name in IMPORTED
        }
        errors: list[tuple[str, str, str]] = []
        data = {}
        try:
            data.update(_PLAIN_FIELDS.run_validation({n: values[n] for n in _PLAIN if n in values}))
        except ValidationError as exc:
            errors += _service_errors(exc)
        for name, resolve in (("brand", self.catalog.brand), ("category", self.catalog.category)):
            if name in values:
                try:
                    data[name] = resolve(values[name])
                except _RowError as exc:
                    errors.append((exc.column, exc.code, exc.message))
        key = identifier_normalized(values.get("sku", "")).lower()
        if key and not errors:
            first = self.seen.setdefault(key, line)
            if first != line:
                errors.append(("sku", "duplicate", f"SKU {values['sku']!r} is on line {first}."))
        for column, code, message in errors:
            outcome.error(line, column, code, message)
        return None if errors else _Row(line, key, data)

    def batch(self, rows: list[_Row], outcome: _Outcome, *, write: bool) -> None:
        """Decides (and with `write`, makes) each row's change against the products as they
        are: locked when writing, so the decision holds until the transaction ends. A service's
        error while writing propagates (_write_rows attributes it to its row)."""
        keys = [row.key for row in rows]
        products = Product.objects.annotate(sku_key=Lower("sku")).filter(sku_key__in=keys)
        if write:
            products = products.select_related("brand", "category").select_for_update(of=("self",))
        existing = {product.sku_key: product for product in products}
        trashed = dict(
            TrashedProduct.objects.annotate(sku_key=Lower("sku"))
            .filter(sku_key__in=[key for key in keys if key not in existing])
            .values_list("sku_key", "pk")
        )
        creates = []
        for row in rows:
            if row.key in trashed:
                error = catalog.SkuInTrashError(row.data["sku"], trashed[row.key])
                outcome.error(row.line, "sku", error.get_codes(), str(error.detail))
                continue
            product = existing.get(row.key)
            if product is not None and not self._changes(row, product):
                outcome.unchanged += 1
            elif not write:
                outcome.created += product is None
                outcome.updated += product is not None
            elif product is None:
                creates.append(self._resolved(row))
            else:
                catalog.product_update(
                    product=product, actor=self.job.created_by, data=self._resolved(row)
                )
                outcome.updated += 1
        if creates:  # the fast lane: one query per step for the batch's new products
            catalog.products_create(actor=self.job.created_by, items=creates)
            outcome.created += len(creates)

    @staticmethod
    def _changes(row: _Row, product: Product) -> bool:
        for name, value in row.data.items():
            if isinstance(value, _New):
                return True
            current = getattr(product, Product._meta.get_field(name).attname)
            wanted = value.pk if name in ("brand", "category") and value is not None else value
            if current != wanted:
                return True
        return False

    def _resolved(self, row: _Row) -> dict:
        """The row's data with the brand and category it names, created if they are new."""
        data = dict(row.data)
        if isinstance(data.get("brand"), _New):
            data["brand"] = self.catalog.brand_made(data["brand"])
        if isinstance(data.get("category"), _New):
            data["category"] = self.catalog.category_made(data["category"])
        return data


def _batches(text: str, run: _Run, outcome: _Outcome) -> Iterator[tuple[list[_Row], int]]:
    """The valid rows a batch at a time, with how many rows (valid or not) the batch covered."""
    rows, seen = [], 0
    for line, cells in _records(text):
        seen += 1
        row = run.checked(line, cells, outcome)
        if row is not None:
            rows.append(row)
        if seen == settings.IMPORT_BATCH:
            yield rows, seen
            rows, seen = [], 0
    if seen:
        yield rows, seen


class _Abort(Exception):
    """Rolls the whole import back (all or nothing)."""


# A watcher of the rows done (import_products' progress bar), besides the job's own row.
progress_watcher: ContextVar[Callable[[int], None] | None] = ContextVar(
    "import_progress_watcher", default=None
)


def _progress(job: ImportJob, outcome: _Outcome, rows_done: int) -> None:
    if watcher := progress_watcher.get():
        watcher(rows_done)
    ImportJob.objects.filter(pk=job.pk).update(
        rows_done=rows_done,
        created=outcome.created,
        updated=outcome.updated,
        unchanged=outcome.unchanged,
        failed=outcome.failed,
    )


def _check_all(job: ImportJob, text: str, columns: list[str]) -> _Outcome:
    """Every row checked and counted against the catalog as it is; nothing written."""
    run, outcome, done = _Run(job, columns), _Outcome(), 0
    for rows, covered in _batches(text, run, outcome):
        run.batch(rows, outcome, write=False)
        done += covered
        _progress(job, outcome, done)
    return outcome


_ROW_ERRORS = (ConflictError, ValidationError)


def _write_rows(run: _Run, rows: list[_Row], outcome: _Outcome) -> None:
    """The batch in one savepoint; if a row fails in it (a SKU taken meanwhile), the batch is
    undone and written again a row per savepoint, so the error is that row's alone."""
    attempt = _Outcome()
    try:
        with transaction.atomic(), changes_in_bulk():
            run.batch(rows, attempt, write=True)
    except _ROW_ERRORS as exc:
        logger.info("import %s: a batch failed (%s); writing it row by row", run.job.pk, exc)
        run.catalog.forget_created()
        attempt = _Outcome()
        for row in rows:
            try:
                with transaction.atomic(), changes_in_bulk():
                    run.batch([row], attempt, write=True)
            except _ROW_ERRORS as exc:
                run.catalog.forget_created()
                for column, code, message in _service_errors(exc):
                    attempt.error(row.line, column, code, message)
    outcome.add(attempt)


def _write_all(job: ImportJob, text: str, columns: list[str]) -> _Outcome:
    """All rows in one transaction: one that fails now (a SKU taken meanwhile) undoes all."""
    run, outcome = _Run(job, columns), _Outcome()
    try:
        with transaction.atomic():
            product_cache.every_product_after_commit()
            for rows, _ in _batches(text, run, outcome):
                _write_rows(run, rows, outcome)
                if outcome.failed:
                    raise _Abort
    except _Abort:
        pass  # _finish reports the errors and that nothing was written
    return outcome


def _write_valid(job: ImportJob, text: str, columns: list[str]) -> _Outcome:
    """The good rows, a batch per transaction; the bad ones reported."""
    run, outcome, done = _Run(job, columns), _Outcome(), 0
    for rows, covered in _batches(text, run, outcome):
        with transaction.atomic():
            product_cache.every_product_after_commit()
            _write_rows(run, rows, outcome)
        done += covered
        _progress(job, outcome, done)
    return outcome


def job_run(job_id) -> None:
    """Runs a pending job (a worker's task, or a command). Claimed first, so a task delivered
    twice runs it once."""
    now = timezone.now()
    claimed = ImportJob.objects.filter(pk=job_id, status=ImportJob.Status.PENDING).update(
        status=ImportJob.Status.RUNNING, started_at=now
    )
    if not claimed:
        return
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    try:
        text = _text(bytes(ImportFile.objects.get(job=job).content))
        columns = _header(csv.reader(io.StringIO(text, newline="")))
        if job.dry_run:
            outcome = _check_all(job, text, columns)
        elif job.mode == ImportJob.Mode.APPLY_VALID:
            outcome = _write_valid(job, text, columns)
        else:
            outcome = _check_all(job, text, columns)
            if not outcome.failed:
                outcome = _write_all(job, text, columns)
    except Exception:
        logger.exception("import %s failed", job.pk)
        _finish(job, _Outcome(), "The import stopped on an internal error; nothing more was done.")
        raise
    _finish(job, outcome)


def _finish(job: ImportJob, outcome: _Outcome, message: str = "") -> None:
    if not message and outcome.failed and job.mode == ImportJob.Mode.ALL_OR_NOTHING:
        message = (
            f"{outcome.failed} row(s) have errors; nothing was written (all or nothing)."
            if not job.dry_run
            else f"{outcome.failed} row(s) have errors."
        )
    failed_whole = bool(message) and not job.dry_run
    if failed_whole:  # the counts say what was written: nothing
        outcome.created = outcome.updated = outcome.unchanged = 0
    with transaction.atomic():
        ImportJob.objects.filter(pk=job.pk).update(
            status=ImportJob.Status.FAILED if failed_whole else ImportJob.Status.SUCCEEDED,
            rows_done=job.rows_total,
            created=outcome.created,
            updated=outcome.updated,
            unchanged=outcome.unchanged,
            failed=outcome.failed,
            errors=sorted(outcome.errors, key=lambda error: error["line"]),
            message=message,
            finished_at=timezone.now(),
        )
        ImportFile.objects.filter(job=job).delete()
        if not job.dry_run and (outcome.created or outcome.updated):
            job.refresh_from_db()
            _summary(job)


def jobs_left_pending(older_than_seconds: float = 60) -> list:
    """Jobs still pending a while after their upload: their task was never queued (the broker
    was down at the upload) or was lost. Queuing one again is safe: job_run claims it first."""
    before = timezone.now() - timedelta(seconds=older_than_seconds)
    return list(
        ImportJob.objects.filter(status=ImportJob.Status.PENDING, created_at__lt=before)
        .order_by("created_at")
        .values_list("pk", flat=True)[:100]
    )


def job_url(job: ImportJob) -> str:
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}/api/v1/product/import/{job.pk}/"


def _summary(job: ImportJob) -> None:
    """One notification to each other admin for the whole import."""
    who = job.created_by.get_username() if job.created_by else "an admin"
    counts = (
        f"{job.created} created, {job.updated} updated, {job.unchanged} unchanged, "
        f"{job.failed} failed"
    )
    subject = header_safe(f"[Catalog] {who} imported {job.rows_total} product row(s): {counts}")
    text = (
        f"{who} imported {job.filename or 'a file'} ({job.rows_total} rows): {counts}.\n"
        f"Each product's history shows its own change.\n\nThe import: {job_url(job)}\n"
    )
    html = (
        f"<p>{escape(who)} imported {escape(job.filename or 'a file')} ({job.rows_total} rows):"
        f" {counts}.</p><p>Each product's history shows its own change.</p>"
        f'<p><a href="{escape(job_url(job))}">The import</a></p>'
    )
    payload = {
        "event": "product.imported",
        "import": {
            "id": str(job.pk),
            "url": job_url(job),
            "rows_total": job.rows_total,
            "created": job.created,
            "updated": job.updated,
            "unchanged": job.unchanged,
            "failed": job.failed,
        },
        "actor": who,
        "at": job.finished_at.isoformat(),
    }
    summary_notify(actor=job.created_by, subject=subject, text=text, html=html, payload=payload)

import uuid

from django.conf import settings
from django.db import models


class ImportJob(models.Model):
    """One CSV import of products: queued by the API or a command, run by a worker."""

    class Status(models.TextChoices):
        PENDING = "pending"
        RUNNING = "running"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    class Mode(models.TextChoices):
        # One bad row and nothing is written.
        ALL_OR_NOTHING = "all_or_nothing"
        # The good rows are written, the bad ones reported.
        APPLY_VALID = "apply_valid"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    mode = models.CharField(max_length=16, choices=Mode.choices, default=Mode.ALL_OR_NOTHING)
    dry_run = models.BooleanField(default=False)
    create_missing = models.BooleanField(
        default=False, help_text="Create the brands and categories the file names but are missing."
    )
    filename = models.CharField(max_length=255, blank=True)
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    # The first IMPORT_MAX_ERRORS row errors ({line, column, code, message}); `failed` counts all.
    errors = models.JSONField(default=list, blank=True)
    # Why the job failed as a whole (all or nothing with bad rows, a conflict while writing).
    message = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return f"import {self.id} ({self.status})"


class ImportFile(models.Model):
    """The uploaded CSV, in the database so that any worker can read it; dropped when its job
    ends. Apart from the job, so that listing jobs never reads files."""

    job = models.OneToOneField(ImportJob, primary_key=True, on_delete=models.CASCADE)
    content = models.BinaryField()

    def __str__(self) -> str:
        return f"file of {self.job_id}"

"""Domain errors. Each has an HTTP status and a stable machine-readable code."""

from django.db import IntegrityError, transaction
from rest_framework import status
from rest_framework.exceptions import APIException


class ConflictError(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The request conflicts with the current state of the resource."
    default_code = "conflict"

    def __init__(self, detail=None, code=None, field: str | None = None, **extra):
        super().__init__(detail, code)
        self.field = field
        self.extra = extra  # more members of the error body, e.g. the lines that lack stock


class ServiceUnavailableError(APIException):
    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = "The service is temporarily unavailable; try again shortly."
    default_code = "service_unavailable"


def save_or_conflict(instance, error: ConflictError, **save_kwargs) -> None:
    """Saves, turning a unique-index violation into `error`.

    Services check uniqueness first for a friendly message; the index settles the races between
    such a check and the save.
    """
    try:
        with transaction.atomic():
            instance.save(**save_kwargs)
    except IntegrityError as exc:
        raise error from exc

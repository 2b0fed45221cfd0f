"""Optimistic concurrency: responses carry an ETag, writes may send it back in If-Match.

A write whose If-Match no longer matches answers 412, so an admin never silently overwrites a
change made since they read the resource. A write without If-Match is allowed (older clients).
"""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.generics import get_object_or_404

IF_MATCH_PARAMETER = OpenApiParameter(
    "If-Match",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="The ETag from your last read; 412 if the resource changed since.",
)


class PreconditionFailedError(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The resource changed since you read it; read it again and retry."
    default_code = "precondition_failed"


def etag_for(instance) -> str:
    return f'"{instance.pk}-{instance.updated_at.timestamp():.6f}"'


class ConditionalWriteMixin:
    """For ModelViewSets over models with `updated_at`: ETag on reads, If-Match on writes."""

    def locked_queryset(self):
        """What a write reads with its row lock (related rows it joins are read, not locked)."""
        return self.get_queryset().model.objects.all()

    def locked_row(self, pk):
        """The row by `pk`, locked (404 if there is none). Views may read it their own way."""
        return get_object_or_404(self.locked_queryset().select_for_update(of=("self",)), pk=pk)

    def retrieve(self, request, *args, **kwargs):
        response = super().retrieve(request, *args, **kwargs)
        response["ETag"] = etag_for(self._retrieved)
        return response

    def get_object(self):
        self._retrieved = super().get_object()
        return self._retrieved

    def locked_object(self):
        """The object, row-locked until the transaction ends, after checking If-Match.

        The check runs under the lock, so of two writers holding the same ETag the second
        waits for the first to commit and then gets 412.
        """
        instance = self.locked_row(self.kwargs["pk"])
        self.check_object_permissions(self.request, instance)
        if_match = self.request.headers.get("If-Match")
        if if_match and if_match.strip() != "*":
            accepted = {tag.strip().removeprefix("W/") for tag in if_match.split(",")}
            if etag_for(instance) not in accepted:
                raise PreconditionFailedError()
        return instance

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        written = getattr(self, "_written", None)
        if written is not None and response.status_code == 200:
            response["ETag"] = etag_for(written)
        return response

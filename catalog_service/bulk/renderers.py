from rest_framework.renderers import BaseRenderer


class StreamRenderer(BaseRenderer):
    """Names a streamed format for content negotiation; the view streams the body itself."""

    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        raise NotImplementedError("streamed by the view")  # errors are rendered as JSON


class CSVStreamRenderer(StreamRenderer):
    media_type = "text/csv"
    format = "csv"


class JSONLinesStreamRenderer(StreamRenderer):
    media_type = "application/x-ndjson"
    format = "jsonl"

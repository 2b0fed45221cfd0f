from rest_framework.renderers import BaseRenderer

from catalog_service.core.spreadsheet import csv_text


class CSVRenderer(BaseRenderer):
    """Renders `{"columns": [...], "rows": [[...], ...]}` as CSV, formulas escaped."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return csv_text(data["columns"], data["rows"]).encode(self.charset)

import csv
import io

from rest_framework.renderers import BaseRenderer


class CSVRenderer(BaseRenderer):
    """Renders `{"columns": [...], "rows": [[...], ...]}` as CSV."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(data["columns"])
        writer.writerows(data["rows"])
        return buffer.getvalue().encode(self.charset)

import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
django.setup(set_prefix=False)

from catalog_service.core.tracing import tracing_configure  # noqa: E402
from catalog_service.core.wsgi import Handler  # noqa: E402 - needs the settings loaded

# Before the handler builds the middleware: Django's instrumentation adds its own.
tracing_configure("catalog-api")

# What django.core.wsgi.get_wsgi_application() builds, with the project's request class.
application = Handler()

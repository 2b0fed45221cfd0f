"""gunicorn's hooks (bin/start-api passes this file; its settings stay on the command line)."""

import os
from pathlib import Path


def on_starting(server):
    """A new server counts from zero: files a previous one left in the metrics directory would
    otherwise be added to its figures."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        for path in Path(directory).glob("*.db"):
            path.unlink()


def child_exit(server, worker):
    """A dead worker's live gauges leave the figures (its counters stay: they happened)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)

"""`manage.py tail_events`: what an operator runs to watch the stream."""

import json
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from catalog_service.events import services
from testing.services import ROOT, service_env


def test_tail_events_prints_each_event_published_after_it_binds(
    postgres, events_broker, settings, admin, product
):
    env = service_env(EVENTS_BROKER_URL=events_broker, EVENTS_EXCHANGE=settings.EVENTS_EXCHANGE)
    command = [sys.executable, "manage.py", "tail_events", "--count", "3", "--timeout", "30"]
    tail = subprocess.Popen(
        [*command, "--routing-key", "catalog.product.*", "--routing-key", "catalog.brand.*"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert "Listening on" in tail.stderr.readline()  # bound: what follows reaches it
        admin.post("/api/v1/brand/", {"name": "Marantz"}, format="json")
        admin.patch(f"/api/v1/product/{product.pk}/", {"name": "One"}, format="json")
        admin.patch(f"/api/v1/product/{product.pk}/", {"name": "Two"}, format="json")
        services.events_publish(run_seconds=0.5)
        out, _ = tail.communicate(timeout=30)
    finally:
        tail.kill()
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["routing_key"] for line in lines] == [
        "catalog.brand.created",
        "catalog.product.updated",
        "catalog.product.updated",
    ]
    assert lines[0]["data"]["brand"]["name"] == "Marantz"
    assert [line["data"]["product"]["name"] for line in lines[1:]] == ["One", "Two"]
    assert lines[1]["type"] == "com.example.catalog.product.updated"
    assert lines[1]["subject"] == f"product/{product.pk}"


def test_tail_events_without_a_broker_says_so(settings):
    settings.EVENTS_BROKER_URL = ""
    with pytest.raises(CommandError, match="EVENTS_BROKER_URL is not set"):
        call_command("tail_events")

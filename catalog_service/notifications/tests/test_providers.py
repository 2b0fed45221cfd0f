"""Each provider against a real peer: SendGrid and webhook stand-ins are local HTTP servers."""

import hashlib
import hmac
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from catalog_service.accounts.tests.factories import AdminFactory
from catalog_service.catalog import services as catalog_services
from catalog_service.notifications.models import Delivery
from catalog_service.notifications.providers import PROVIDERS

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture
def change(db, brand, django_capture_on_commit_callbacks):
    """Runs one product update by `alice` with one other admin, `bob`, sending at commit."""

    def run():
        actor = AdminFactory(username="alice")
        bob = AdminFactory(username="bob", email="bob@example.com")
        from catalog_service.catalog.tests.factories import ProductFactory

        product = ProductFactory(sku="AMP-1", name="Amplifier", brand=brand)
        with django_capture_on_commit_callbacks(execute=True):
            catalog_services.product_update(product=product, actor=actor, data={"name": "Amp"})
        return product, bob

    return run


@pytest.fixture
def sendgrid(settings, http_recorder):
    settings.NOTIFICATION_CHANNELS = ["sendgrid"]
    settings.SENDGRID_API_KEY = "SG.test-key"
    settings.SENDGRID_API_URL = f"{http_recorder.url}/v3/"
    return http_recorder


def test_sendgrid_posts_mail_send(sendgrid, change):
    change()
    assert len(sendgrid.requests) == 1
    request = sendgrid.requests[0]
    assert request["path"] == "/v3/mail/send"
    assert request["headers"]["Authorization"] == "Bearer SG.test-key"
    body = json.loads(request["body"])
    assert body["personalizations"][0]["to"] == [{"email": "bob@example.com"}]
    assert body["subject"] == "[Catalog] AMP-1 updated by alice"
    contents = {c["type"]: c["value"] for c in body["content"]}
    assert "name: Amplifier → Amp" in contents["text/plain"]
    assert "<td>Amplifier</td><td>Amp</td>" in contents["text/html"]
    assert Delivery.objects.get().status == Delivery.Status.SENT


def test_sendgrid_server_error_is_retried(sendgrid, change):
    sendgrid.status = 503
    change()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.PENDING, 1)
    assert "503" in delivery.last_error


def test_sendgrid_client_error_is_permanent(sendgrid, change):
    sendgrid.status = 400
    change()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.FAILED, 1)
    assert "400" in delivery.last_error


@pytest.fixture
def webhook(settings, http_recorder):
    settings.NOTIFICATION_CHANNELS = ["webhook"]
    settings.WEBHOOK_URL = f"{http_recorder.url}/hooks/catalog"
    settings.WEBHOOK_SECRET = "whsec-test"
    settings.PUBLIC_BASE_URL = "https://catalog.example.com/"  # the trailing slash is dropped
    return http_recorder


def test_webhook_posts_one_signed_json_per_change(webhook, change):
    AdminFactory.create_batch(3)  # more admins do not mean more webhook calls
    product, _ = change()
    assert len(webhook.requests) == 1
    request = webhook.requests[0]
    delivery = Delivery.objects.get()
    assert request["headers"]["X-Catalog-Delivery"] == str(delivery.pk)
    timestamp, mac = (
        part.split("=", 1)[1] for part in request["headers"]["X-Catalog-Signature"].split(",")
    )
    expected = hmac.new(b"whsec-test", f"{timestamp}.".encode() + request["body"], hashlib.sha256)
    assert hmac.compare_digest(mac, expected.hexdigest())
    at = delivery.event.created_at
    url = f"https://catalog.example.com/api/v1/product/{product.id}/"
    assert json.loads(request["body"]) == {
        "event": "product.updated",
        "event_id": delivery.event_id,
        "product": {"id": product.id, "sku": "AMP-1", "name": "Amp"},
        "url": url,
        "actor": "alice",
        "at": at.isoformat(),
        "changes": {"name": {"old": "Amplifier", "new": "Amp"}},
        "delivery_id": delivery.pk,
        "text": f'alice updated product AMP-1 "Amp" (id {product.id}) at '
        f"{at:%Y-%m-%d %H:%M:%S} UTC.\n\n  name: Amplifier → Amp\n\n{url}\n\n",
    }
    assert delivery.status == Delivery.Status.SENT


def test_webhook_receiver_down_is_retried(webhook, change):
    webhook.close()
    change()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == (Delivery.Status.PENDING, 1)


def test_console_prints_the_notification(change, capsys, settings):
    settings.NOTIFICATION_CHANNELS = ["console"]
    change()
    out = capsys.readouterr().out
    assert "Notification to bob@example.com: [Catalog] AMP-1 updated by alice" in out
    assert "name: Amplifier → Amp" in out


def test_registry_lists_every_channel():
    assert sorted(PROVIDERS) == ["console", "sendgrid", "smtp", "webhook"]


def run_check(**env) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("NOTIFICATION", "EMAIL", "SENDGRID", "WEBHOOK"))
    }
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": "config.settings.base", "DEBUG": "true", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"NOTIFICATION_CHANNELS": "pigeon"}, "Unknown notification channel 'pigeon'"),
        ({"NOTIFICATION_CHANNELS": "sendgrid"}, "The sendgrid channel needs SENDGRID_API_KEY."),
        ({"EMAIL_CHANNEL": "smtp"}, "The smtp channel needs EMAIL_HOST."),
        ({"NOTIFICATION_CHANNELS": "webhook"}, "needs WEBHOOK_URL and WEBHOOK_SECRET"),
    ],
)
def test_bad_channel_configuration_stops_start_up(env, message):
    result = run_check(**env)
    assert result.returncode != 0
    assert message in result.stderr


def test_legacy_email_channel_selects_the_provider():
    result = run_check(EMAIL_CHANNEL="smtp", EMAIL_HOST="smtp.example.com")
    assert result.returncode == 0, result.stderr

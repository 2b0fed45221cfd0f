"""asyncapi.yaml says what the relay publishes: it is the document the code generates, and every
event type, as recorded by real changes and enveloped as published, validates against it."""

from pathlib import Path

import jsonschema
import yaml
from cloudevents.core.bindings import rabbitmq
from cloudevents.core.formats.json import JSONFormat
from django.core.management import call_command

from catalog_service.events import catalogue
from catalog_service.events.asyncapi import document
from catalog_service.events.broker import cloud_event
from catalog_service.events.models import Event
from catalog_service.inventory.tests.test_inventory_api import LOCATION, hold, receive

COMMITTED = Path(__file__).resolve().parents[3] / "asyncapi.yaml"


def resolved(node, root: dict):
    """The schema with its local $refs replaced by what they point at."""
    if isinstance(node, dict):
        if set(node) == {"$ref"}:
            target = root
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            return resolved(target, root)
        return {key: resolved(value, root) for key, value in node.items()}
    if isinstance(node, list):
        return [resolved(item, root) for item in node]
    return node


def test_the_committed_document_is_the_generated_one(tmp_path):
    out = tmp_path / "asyncapi.yaml"
    call_command("asyncapi", "--file", str(out))
    assert out.read_text() == COMMITTED.read_text(), "run `make schema` and commit asyncapi.yaml"
    spec = yaml.safe_load(COMMITTED.read_text())
    assert {channel["address"] for channel in spec["channels"].values()} == {
        f"catalog.{event_type}" for event_type in catalogue.TYPES
    }


def test_every_event_type_as_published_validates_against_the_document(
    admin, order_system, brand, product
):
    made = admin.post("/api/v1/brand/", {"name": "Made"}, format="json").json()
    admin.patch(f"/api/v1/brand/{made['id']}/", {"name": "Remade"}, format="json")
    admin.delete(f"/api/v1/brand/{made['id']}/")
    home = admin.post("/api/v1/category/", {"name": "Home"}, format="json").json()
    lamps = admin.post("/api/v1/category/", {"name": "Lamps"}, format="json").json()
    admin.patch(f"/api/v1/category/{lamps['id']}/", {"parent": home["id"]}, format="json")
    admin.delete(f"/api/v1/category/{lamps['id']}/")
    body = {"sku": "as-1", "name": "A", "price": "1.50", "brand": brand.pk, "category": home["id"]}
    new = admin.post("/api/v1/product/", body, format="json").json()
    admin.patch(f"/api/v1/product/{new['id']}/", {"category": None}, format="json")
    admin.delete(f"/api/v1/product/{new['id']}/")
    admin.post(f"/api/v1/product/{new['id']}/restore/")
    warehouse = admin.post(LOCATION, {"code": "wh-a", "name": "A"}, format="json").json()["id"]
    receive(admin, product.pk, warehouse, 3)
    hold(order_system, [{"product": product.pk, "quantity": 3}])
    stock = admin.get("/api/v1/stock/", {"product": product.pk}).json()["results"][0]
    admin.patch(f"/api/v1/stock/{stock['id']}/", {"low_stock_threshold": 2}, format="json")

    spec = document()
    messages = {m["name"]: m for m in spec["components"]["messages"].values()}
    seen = set()
    for event in Event.objects.order_by("pk"):
        message = messages[event.type]
        published = rabbitmq.to_binary(cloud_event(event), JSONFormat())
        jsonschema.validate(published.headers, resolved(message["headers"], spec))
        jsonschema.validate(event.data, resolved(message["payload"], spec))
        seen.add(event.type)
    assert seen == set(catalogue.TYPES)

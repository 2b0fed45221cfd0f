"""The events the catalog publishes: one list, which the recorders, the relay and the AsyncAPI
document (asyncapi.py) all read. An entity's state in an event is its model's own fields, so a
new field shows in the events, and in the document, with its migration."""

from dataclasses import dataclass

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import ForeignKey, Model

from catalog_service.catalog.models import Brand, Product
from catalog_service.categories.models import Category
from catalog_service.inventory.models import StockLevel


@dataclass(frozen=True)
class Entity:
    name: str  # in types, subjects and routing keys
    model: type[Model]
    actions: tuple[str, ...]
    summary: str


ENTITIES = (
    Entity(
        "product",
        Product,
        ("created", "updated", "deleted", "restored"),
        "A product was created, changed (any field, its availability included), deleted (moved "
        "to the trash) or restored from the trash (with its id, as it was when deleted).",
    ),
    Entity(
        "brand",
        Brand,
        ("created", "updated", "deleted"),
        "A brand was created, renamed or deleted. Products show their brand by id: a rename "
        "changes no product event.",
    ),
    Entity(
        "category",
        Category,
        ("created", "updated", "deleted"),
        "A category was created, renamed, moved (its parent changed) or deleted. Products show "
        "their category by id: a rename or a move changes no product event.",
    ),
    Entity(
        "stock_level",
        StockLevel,
        ("updated",),
        "What one location holds of one product changed: a receipt, an adjustment, a "
        "reservation held, released, expired or sold, or a new low-stock threshold.",
    ),
)
BY_MODEL = {entity.model: entity for entity in ENTITIES}
TYPES = tuple(f"{entity.name}.{action}" for entity in ENTITIES for action in entity.actions)

_ENCODER = DjangoJSONEncoder()


def json_value(value):
    """A field's value as events carry it: a related row as its id, a Decimal as text ("12.50"),
    a datetime in ISO 8601, as the API writes them."""
    if isinstance(value, Model):
        return value.pk
    if value is None or isinstance(value, (str, int, float)):
        return value
    return _ENCODER.default(value)


def state(instance: Model) -> dict:
    """The instance's own fields, a foreign key as the id it holds."""
    return {
        field.name: json_value(getattr(instance, field.attname))
        for field in instance._meta.concrete_fields
    }


def fields(model: type[Model]) -> list:
    return list(model._meta.concrete_fields)


def is_reference(field) -> bool:
    return isinstance(field, ForeignKey)

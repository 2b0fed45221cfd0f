"""The AsyncAPI 3.0 document of the events (asyncapi.yaml, `make schema`): built from the
catalogue and the models' fields, so it says what the relay publishes. A test compares the
committed document with this one and validates recorded events against it."""

from django.conf import settings
from django.db import models

from . import catalogue

_HEADERS = {
    "ce-specversion": ("CloudEvents version: 1.0.", {"const": "1.0"}),
    "ce-id": ("The event's id: the same on every delivery; deduplicate by it.", {"format": "uuid"}),
    "ce-source": ("EVENTS_SOURCE: which catalog published it.", {}),
    "ce-type": ("EVENTS_TYPE_PREFIX, then <entity>.<action>.", {}),
    "ce-subject": ("<entity>/<id>: the entity changed.", {}),
    "ce-time": ("When the change was made (RFC 3339).", {"format": "date-time"}),
    "ce-sequence": (
        "The outbox's order, zero-padded: events of one subject arrive in this order.",
        {"pattern": "^[0-9]{20}$"},
    ),
}


def _field_schema(field: models.Field) -> dict:
    if isinstance(field, (models.ForeignKey, models.AutoField, models.IntegerField)):
        schema = {"type": "integer"}
        if isinstance(field, models.PositiveIntegerField):
            schema["minimum"] = 0
    elif isinstance(field, models.BooleanField):
        schema = {"type": "boolean"}
    elif isinstance(field, models.DecimalField):
        schema = {"type": "string", "pattern": rf"^-?\d+\.\d{{{field.decimal_places}}}$"}
    elif isinstance(field, models.DateTimeField):
        schema = {"type": "string", "format": "date-time"}
    elif isinstance(field, models.UUIDField):
        schema = {"type": "string", "format": "uuid"}
    elif isinstance(field, models.CharField):
        schema = {"type": "string", "maxLength": field.max_length}
    else:
        raise TypeError(f"asyncapi: no schema for {type(field).__name__} ({field})")
    if field.choices:
        schema["enum"] = [value for value, _ in field.choices]
    if field.is_relation:
        schema["description"] = f"The id of the {field.related_model._meta.verbose_name}."
    if field.null:
        schema["type"] = [schema["type"], "null"]
        if "enum" in schema:
            schema["enum"].append(None)
    return schema


def _title(name: str) -> str:
    return "".join(part.capitalize() for part in name.split("_"))


def _schemas() -> dict:
    schemas = {
        "CloudEventHeaders": {
            "type": "object",
            "required": list(_HEADERS),
            "properties": {
                name: {"type": "string", "description": text, **extra}
                for name, (text, extra) in _HEADERS.items()
            },
        }
    }
    for entity in catalogue.ENTITIES:
        fields = catalogue.fields(entity.model)
        title = _title(entity.name)
        schemas[title] = {
            "type": "object",
            "description": f"The {entity.name.replace('_', ' ')} after the change (for a "
            "deletion, as it was).",
            "required": [field.name for field in fields],
            "properties": {field.name: _field_schema(field) for field in fields},
            "additionalProperties": False,
        }
        schemas[f"{title}Changes"] = {
            "type": "object",
            "description": "Each field that changed, as [before, after] (null: no value).",
            "properties": {
                field.name: {
                    "type": "array",
                    "minItems": 2,
                    "maxItems": 2,
                    "items": {"anyOf": [_field_schema(field), {"type": "null"}]},
                }
                for field in fields
            },
            "additionalProperties": False,
        }
    return schemas


def _message_name(event_type: str) -> str:
    entity, action = event_type.split(".")
    return f"{_title(entity)}{action.capitalize()}"


def document() -> dict:
    channels, operations, messages = {}, {}, {}
    for entity in catalogue.ENTITIES:
        title = _title(entity.name)
        for action in entity.actions:
            event_type = f"{entity.name}.{action}"
            name = _message_name(event_type)
            messages[name] = {
                "name": event_type,
                "title": f"{entity.name.replace('_', ' ')} {action}",
                "summary": entity.summary,
                "contentType": "application/json",
                "headers": {"$ref": "#/components/schemas/CloudEventHeaders"},
                "payload": {
                    "type": "object",
                    "required": [entity.name, "changes"],
                    "properties": {
                        entity.name: {"$ref": f"#/components/schemas/{title}"},
                        "changes": {"$ref": f"#/components/schemas/{title}Changes"},
                    },
                    "additionalProperties": False,
                },
                "bindings": {"amqp": {"deliveryMode": 2, "bindingVersion": "0.3.0"}},
            }
            channels[event_type] = {
                "address": f"catalog.{event_type}",
                "description": f"Routing key catalog.{event_type} on the topic exchange.",
                "messages": {name: {"$ref": f"#/components/messages/{name}"}},
                "bindings": {
                    "amqp": {
                        "is": "routingKey",
                        "exchange": {
                            "name": settings.EVENTS_EXCHANGE,
                            "type": "topic",
                            "durable": True,
                            "autoDelete": False,
                            "vhost": "/",
                        },
                        "bindingVersion": "0.3.0",
                    }
                },
            }
            operations[f"publish{name}"] = {
                "action": "send",
                "channel": {"$ref": f"#/channels/{event_type}"},
                "messages": [{"$ref": f"#/channels/{event_type}/messages/{name}"}],
            }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Catalog events",
            "version": "1.0.0",
            "description": (
                "Every committed change of a product, brand, category or stock level, published "
                "once committed, in commit order per entity, at least once: CloudEvents 1.0 in "
                "binary content mode (attributes as ce- headers, the data as the JSON body), "
                "persistent, on a durable topic exchange. Deduplicate by ce-id. An event no "
                "queue is bound for waits, and holds back the ones after it, until one is."
            ),
        },
        "defaultContentType": "application/json",
        "servers": {
            "rabbitmq": {
                "host": "rabbitmq:5672",
                "protocol": "amqp",
                "protocolVersion": "0.9.1",
                "description": "EVENTS_BROKER_URL",
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": _schemas()},
    }

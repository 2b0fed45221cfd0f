"""RabbitMQ (AMQP 0-9-1, pika) and the CloudEvents envelope: what the relay publishes and what a
consumer reads.

Binary content mode: the CloudEvents attributes travel as `ce-` headers (as the HTTP and Kafka
bindings carry them), the data as the JSON body. Messages go to a durable topic exchange with
the routing key `catalog.<entity>.<action>`, persistent, `mandatory`, with publisher confirms:
`publish` returns only once the broker has taken responsibility for the message.
"""

import contextlib

import pika
from cloudevents.core.bindings import rabbitmq
from cloudevents.core.formats.json import JSONFormat
from cloudevents.core.v1.event import CloudEvent
from django.conf import settings
from pika.exceptions import AMQPError

from .models import Event

_FORMAT = JSONFormat()


class PublishError(Exception):
    """The broker did not take the event: unreachable, a nack, unroutable, or the connection
    dropped before its confirm."""


def cloud_event(event: Event) -> CloudEvent:
    return CloudEvent(
        attributes={
            "id": str(event.event_id),
            "source": settings.EVENTS_SOURCE,
            "type": f"{settings.EVENTS_TYPE_PREFIX}.{event.type}",
            "subject": event.subject,
            "time": event.time,
            "datacontenttype": "application/json",
            # The sequence extension: the outbox's order, as text that sorts as it does.
            "sequence": f"{event.pk:020d}",
        },
        data=event.data,
    )


def _parameters(url: str) -> pika.URLParameters:
    parameters = pika.URLParameters(url)
    # A broker under a memory or disk alarm blocks publishers: give up and retry rather than
    # hang with the relay's lock held. A dead peer is noticed by the heartbeat.
    parameters.blocked_connection_timeout = settings.EVENTS_BROKER_TIMEOUT
    parameters.socket_timeout = settings.EVENTS_BROKER_TIMEOUT
    parameters.connection_attempts = 1
    return parameters


def connect(url: str | None = None) -> pika.BlockingConnection:
    """A connection to EVENTS_BROKER_URL (or `url`); the exchange is declared on first use."""
    return pika.BlockingConnection(_parameters(url or settings.EVENTS_BROKER_URL))


def exchange_declare(channel, exchange: str | None = None) -> str:
    exchange = exchange or settings.EVENTS_EXCHANGE
    channel.exchange_declare(exchange, exchange_type="topic", durable=True)
    return exchange


class Publisher:
    """One connection and confirm-mode channel, reused while it works."""

    def __init__(self, connection: pika.BlockingConnection):
        self.connection = connection
        self.channel = connection.channel()
        self.channel.confirm_delivery()
        self.exchange = exchange_declare(self.channel)

    @classmethod
    def connect(cls) -> "Publisher":
        try:
            return cls(connect())
        except (AMQPError, OSError) as exc:
            raise PublishError(f"broker unreachable: {exc!r}") from exc

    def publish(self, event: Event) -> None:
        message = rabbitmq.to_binary(cloud_event(event), _FORMAT)
        properties = pika.BasicProperties(
            content_type=message.content_type,
            headers=message.headers,
            delivery_mode=pika.DeliveryMode.Persistent,
            message_id=str(event.event_id),
        )
        try:
            # In confirm mode this waits for the broker's ack; a nack raises NackError, a
            # return (no queue bound: `mandatory`) UnroutableError.
            self.channel.basic_publish(
                self.exchange, event.routing_key, message.body, properties, mandatory=True
            )
        except (AMQPError, OSError) as exc:
            raise PublishError(repr(exc)) from exc

    def close(self) -> None:
        with contextlib.suppress(AMQPError, OSError):
            self.connection.close()


def received(properties: pika.BasicProperties, body: bytes) -> CloudEvent:
    """The CloudEvent of a message a consumer received."""
    message = rabbitmq.RabbitMQMessage(
        headers={key: str(value) for key, value in (properties.headers or {}).items()},
        content_type=properties.content_type,
        body=body,
    )
    return rabbitmq.from_binary(message, _FORMAT)


class Subscription:
    """A queue of one's own bound to the exchange with `binding_keys` (topic patterns:
    `catalog.product.*`, `catalog.#`): what `tail_events` reads, and the simplest consumer.

    Without a `queue` name it is temporary (exclusive, deleted when the connection closes);
    a named queue is durable and keeps what arrives while its consumer is away.
    """

    def __init__(self, binding_keys=("catalog.#",), *, queue: str = "", url=None, exchange=None):
        self.connection = connect(url)
        self.channel = self.connection.channel()
        exchange = exchange_declare(self.channel, exchange)
        temporary = not queue
        declared = self.channel.queue_declare(
            queue, durable=not temporary, exclusive=temporary, auto_delete=temporary
        )
        self.queue = declared.method.queue
        for key in binding_keys:
            self.channel.queue_bind(self.queue, exchange, routing_key=key)

    def events(self, inactivity_timeout: float | None = None):
        """(routing key, CloudEvent) as they arrive, acknowledged once the caller takes the
        next; ends after `inactivity_timeout` seconds without one."""
        for method, properties, body in self.channel.consume(
            self.queue, inactivity_timeout=inactivity_timeout
        ):
            if method is None:
                return
            yield method.routing_key, received(properties, body)
            self.channel.basic_ack(method.delivery_tag)

    def close(self) -> None:
        with contextlib.suppress(AMQPError, OSError):
            self.connection.close()

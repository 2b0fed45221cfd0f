from django.db import connection
from django.db.models import Count, Min, QuerySet
from django.utils import timezone

from catalog_service.accounts.selectors import active_admins

from .models import Delivery, ProductChangeEvent
from .providers import providers_configured


def event_list() -> QuerySet[ProductChangeEvent]:
    return ProductChangeEvent.objects.all()


def delivery_list() -> QuerySet[Delivery]:
    return Delivery.objects.select_related("event")


def event_recipients(events: QuerySet[ProductChangeEvent]) -> tuple[str, list]:
    """(`FROM ...` SQL, parameters): each of `events` as `event` beside each admin it notifies as
    `admin` (id, email): the active admins with an email, less the actor, and less admins who
    joined after the change. The fan-out writes its deliveries from it, the backlog counts them.
    """
    admins = active_admins().exclude(email="").values("id", "email", "date_joined")
    admin_sql, admin_params = admins.query.sql_with_params()
    event_sql, event_params = events.values("id", "actor_id", "created_at").query.sql_with_params()
    # The actor is NULL once their account is deleted; then nobody is excluded.
    sql = (
        f"FROM ({event_sql}) event JOIN ({admin_sql}) admin "
        "ON admin.id <> COALESCE(event.actor_id, 0) AND admin.date_joined <= event.created_at"
    )
    return sql, [*event_params, *admin_params]


def notifications_backlog() -> tuple[int, float | None]:
    """(notifications not sent yet, the age in seconds of the oldest of them): deliveries pending or
    being sent, and those the relay has still to write for the change events it has not fanned
    out. Two indexed aggregates and a join of the (normally few) waiting events with the admins.
    """
    waiting = Delivery.objects.filter(
        status__in=(Delivery.Status.PENDING, Delivery.Status.SENDING)
    ).aggregate(n=Count("pk"), oldest=Min("created_at"))
    unrelayed = ProductChangeEvent.objects.filter(fanned_out_at__isnull=True)
    events = unrelayed.aggregate(n=Count("pk"), oldest=Min("created_at"))
    pending, oldest = waiting["n"], waiting["oldest"]
    if events["n"]:
        channels = providers_configured().values()
        per_recipient = sum(1 for provider in channels if provider.per_recipient)
        pending += events["n"] * (len(channels) - per_recipient)
        if per_recipient:
            sql, params = event_recipients(unrelayed)
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT COUNT(*) {sql}", params)
                pending += cursor.fetchone()[0] * per_recipient
        oldest = min(filter(None, (oldest, events["oldest"])))
    return pending, (timezone.now() - oldest).total_seconds() if oldest else None

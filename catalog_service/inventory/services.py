"""Every write of stock: receipts and adjustments, reservations, their commit, release and expiry.

Rules that hold whatever the caller (API, Django admin, commands):
- A level changes only through one conditional UPDATE (`on_hand - reserved >= quantity` for a
  hold, `on_hand + delta >= reserved` for an adjustment): never read, then written. The CHECK
  constraints of StockLevel refuse anything that would slip through.
- Each change of a level writes its movement in the same transaction (the ledger).
- A reservation's lines are taken in (product, location) order, so two reservations that share
  products lock their levels in the same order and never deadlock; all lines or none.
- After its levels, a write locks the products whose stock it changed (in id order) and
  recomputes their availability (catalog.services.product_availability_set: history,
  notifications and the cache follow only when it crosses to another value).
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from rest_framework.exceptions import ValidationError

from catalog_service.catalog import services as catalog_services
from catalog_service.catalog.models import Availability, Product
from catalog_service.core.exceptions import ConflictError, save_or_conflict

from .models import (
    IdempotentRequest,
    Location,
    Reservation,
    ReservationLine,
    StockLevel,
    StockMovement,
)
from .signals import stock_changed

Reason = StockMovement.Reason
# The tables the statements written by hand name (the models' own names).
_PRODUCTS, _LEVELS = Product._meta.db_table, StockLevel._meta.db_table
_LOCATIONS = Location._meta.db_table


class InsufficientStockError(ConflictError):
    default_code = "insufficient_stock"


class ReservationClosedError(ConflictError):
    default_code = "reservation_closed"

    def __init__(self, reservation: Reservation):
        super().__init__(
            f"Reservation {reservation.id} is {reservation.status}: it can no longer be "
            "committed or released."
        )


@dataclass(frozen=True)
class Line:
    """A line of a reservation to hold: `location` None takes it from one active location."""

    product: Product
    quantity: int
    location: Location | None = None


def availability_of(available: int, threshold: int) -> str:
    if available <= 0:
        return Availability.OUT_OF_STOCK
    if available <= threshold:
        return Availability.LOW_STOCK
    return Availability.IN_STOCK


def _availability_refresh(product_ids, actor) -> None:
    """Locks the products (in id order, after their levels), then reads what their active
    locations hold, and records each availability that changed. Statements written once: this
    runs in every stock write, while its levels are locked."""
    ids = sorted(set(product_ids))
    if not ids:
        return
    marks = ", ".join(["%s"] * len(ids))
    # FOR NO KEY UPDATE: it waits for another stock write of the product, not for the key share
    # locks that rows referring to the product (reservation lines) take. Not on SQLite.
    lock = f" {connection.ops.for_update_sql(no_key=True)}"
    if not connection.features.has_select_for_update:
        lock = ""
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT id, availability FROM {_PRODUCTS} WHERE id IN ({marks}) ORDER BY id{lock}",  # noqa: S608 - model names
            ids,
        )
        shown = dict(cursor.fetchall())
        cursor.execute(
            f"SELECT s.product_id, sum(s.on_hand - s.reserved), sum(s.low_stock_threshold) "  # noqa: S608 - model names
            f"FROM {_LEVELS} s JOIN {_LOCATIONS} l ON l.id = s.location_id "
            f"WHERE l.active AND s.product_id IN ({marks}) GROUP BY s.product_id",
            ids,
        )
        totals = {pk: (available, threshold) for pk, available, threshold in cursor.fetchall()}
    for pk, availability in shown.items():
        now = availability_of(*totals.get(pk, (0, 0)))
        if now != availability:  # rare: a crossing; the product's row is locked already
            catalog_services.product_availability_set(
                product=Product.objects.select_related("brand").get(pk=pk),
                availability=now,
                actor=actor,
            )


def _deltas(movements: list[StockMovement]) -> dict[int, dict[str, int]]:
    """What the movements did to each level, as stock_changed reports it."""
    deltas: dict[int, dict[str, int]] = {}
    for movement in movements:
        change = deltas.setdefault(movement.level_id, {})
        for field, delta in (
            ("on_hand", movement.on_hand_delta),
            ("reserved", movement.reserved_delta),
        ):
            if delta:
                change[field] = change.get(field, 0) + delta
    return deltas


def _level_ensured(product: Product, location: Location) -> None:
    StockLevel.objects.bulk_create(
        [StockLevel(product=product, location=location)], ignore_conflicts=True
    )


@transaction.atomic
def stock_move(
    *, product: Product, location: Location, delta: int, reason: str, note: str = "", actor
) -> StockLevel:
    """A receipt (delta > 0) or an adjustment (any delta but 0) of what is on hand. An adjustment
    may not take on hand below what is reserved: 409 insufficient_stock, nothing written."""
    if reason not in (Reason.RECEIPT, Reason.ADJUSTMENT):
        raise ValidationError({"reason": ["Only a receipt or an adjustment is written by hand."]})
    if delta == 0 or (reason == Reason.RECEIPT and delta < 0):
        raise ValidationError({"delta": ["A receipt adds units; an adjustment changes some."]})
    _level_ensured(product, location)
    levels = StockLevel.objects.filter(product=product, location=location)
    if not levels.filter(on_hand__gte=F("reserved") - delta).update(
        on_hand=F("on_hand") + delta, updated_at=timezone.now()
    ):
        level = levels.get()
        raise InsufficientStockError(
            f"{location.code} has {level.on_hand} on hand, {level.reserved} of them reserved: "
            f"it cannot lose {-delta}."
        )
    level = levels.get()
    StockMovement.objects.create(
        level=level, on_hand_delta=delta, reason=reason, note=note, actor=actor
    )
    stock_changed.send(StockLevel, deltas={level.pk: {"on_hand": delta}})
    _availability_refresh([product.pk], actor)
    return level


@transaction.atomic
def threshold_set(*, level: StockLevel, low_stock_threshold: int, actor) -> StockLevel:
    was = StockLevel.objects.select_for_update().values_list("low_stock_threshold", flat=True)
    if change := low_stock_threshold - was.get(pk=level.pk):
        StockLevel.objects.filter(pk=level.pk).update(
            low_stock_threshold=low_stock_threshold, updated_at=timezone.now()
        )
        stock_changed.send(StockLevel, deltas={level.pk: {"low_stock_threshold": change}})
    _availability_refresh([level.product_id], actor)
    level.refresh_from_db()
    return level


class LocationCodeTakenError(ConflictError):
    default_code = "location_code_taken"

    def __init__(self, code: str):
        super().__init__(f"A location with code {code!r} already exists.", field="code")


def _ensure_code_free(code: str, exclude_pk: int | None = None) -> None:
    if Location.objects.filter(code=code).exclude(pk=exclude_pk).exists():
        raise LocationCodeTakenError(code)


def location_create(*, code: str, name: str, active: bool = True) -> Location:
    _ensure_code_free(code)
    location = Location(code=code, name=name, active=active)
    save_or_conflict(location, LocationCodeTakenError(code))
    return location


@transaction.atomic
def location_update(*, location: Location, data: dict, actor) -> Location:
    """Renames or (de)activates a location; the availability of what it holds follows."""
    was_active = location.active
    if "code" in data:
        _ensure_code_free(data["code"], exclude_pk=location.pk)
    for field, value in data.items():
        setattr(location, field, value)
    save_or_conflict(location, LocationCodeTakenError(location.code))
    if location.active != was_active:
        product_ids = StockLevel.objects.filter(location=location).values_list(
            "product_id", flat=True
        )
        _availability_refresh(list(product_ids), actor)
    return location


# One conditional statement per line: the level gains `quantity` reserved only if it has them.
# Without a location, the first active location (by id) that has them; a concurrent hold can take
# them between the choice and the update, which then re-checks and changes nothing: the next try
# chooses again.
_HOLD_AT = (
    f"UPDATE {_LEVELS} SET reserved = reserved + %s, updated_at = %s "  # noqa: S608 - model names
    "WHERE product_id = %s AND location_id = %s AND on_hand - reserved >= %s "
    f"AND location_id IN (SELECT id FROM {_LOCATIONS} WHERE active) RETURNING id, location_id"
)
_HOLD_ANYWHERE = (
    f"UPDATE {_LEVELS} SET reserved = reserved + %s, updated_at = %s "  # noqa: S608 - model names
    f"WHERE id = (SELECT s.id FROM {_LEVELS} s JOIN {_LOCATIONS} l ON l.id = s.location_id "
    "WHERE s.product_id = %s AND l.active AND s.on_hand - s.reserved >= %s "
    "ORDER BY s.location_id LIMIT 1) AND on_hand - reserved >= %s RETURNING id, location_id"
)


def _hold(cursor, line: Line, now) -> tuple[int, int] | None:
    """(level id, location id) that now holds the line, or None when no location has it."""
    if line.location is not None:
        cursor.execute(
            _HOLD_AT, [line.quantity, now, line.product.pk, line.location.pk, line.quantity]
        )
        return cursor.fetchone()
    for _ in range(settings.INVENTORY_HOLD_TRIES):
        cursor.execute(
            _HOLD_ANYWHERE, [line.quantity, now, line.product.pk, line.quantity, line.quantity]
        )
        taken = cursor.fetchone()
        if taken is not None:
            return taken
        if not _anywhere(line).exists():
            return None
    return None


def _anywhere(line: Line):
    return StockLevel.objects.filter(
        product=line.product,
        location__active=True,
        on_hand__gte=F("reserved") + line.quantity,
    )


def _shortages(lines: list[Line], failed: int) -> list[dict]:
    """The lines that cannot be held now, with what their location (or the best active location,
    for a line without one) has available, read after the failed hold rolled back; the line
    that failed is among them even if stock has come back since."""
    short = []
    for index, line in enumerate(lines):
        levels = StockLevel.objects.filter(product=line.product, location__active=True)
        if line.location is not None:
            levels = levels.filter(location=line.location)
        available = max((level.available for level in levels), default=0)
        if available < line.quantity or index == failed:
            short.append(
                {
                    "line": index,
                    "product": line.product.pk,
                    "sku": line.product.sku,
                    "location": line.location.code if line.location else None,
                    "requested": line.quantity,
                    "available": available,
                }
            )
    return short


def reservation_hold(*, lines: list[Line], ttl_seconds: int, actor) -> Reservation:
    """Holds every line, or none: 409 insufficient_stock naming the lines that lack stock. The
    reservation comes back with its lines (`held_lines`, their products loaded): its answer is
    written without reading it again, while the levels are still locked."""
    failed = None
    try:
        with transaction.atomic():
            now = timezone.now()
            stamp = connection.ops.adapt_datetimefield_value(now)  # for the raw statements
            reservation = Reservation.objects.create(
                created_by=actor, created_at=now, expires_at=now + timedelta(seconds=ttl_seconds)
            )
            order = sorted(
                range(len(lines)),
                key=lambda i: (
                    lines[i].product.pk,
                    lines[i].location.pk if lines[i].location else 0,
                ),
            )
            held, movements = [], []
            with connection.cursor() as cursor:
                for index in order:
                    line = lines[index]
                    taken = _hold(cursor, line, stamp)
                    if taken is None:
                        failed = index
                        raise _Rollback
                    level_id, location_id = taken
                    held.append(
                        ReservationLine(
                            reservation=reservation,
                            product=line.product,
                            location_id=location_id,
                            quantity=line.quantity,
                        )
                    )
                    movements.append(
                        StockMovement(
                            level_id=level_id,
                            reserved_delta=line.quantity,
                            reason=Reason.RESERVATION,
                            actor=actor,
                            reservation=reservation,
                            created_at=now,
                        )
                    )
            stock_changed.send(StockLevel, deltas=_deltas(movements))
            _availability_refresh([line.product.pk for line in lines], actor)
            reservation.held_lines = ReservationLine.objects.bulk_create(held)
            StockMovement.objects.bulk_create(movements)
    except _Rollback:
        raise InsufficientStockError(
            "Not enough stock for every line: nothing is held.", lines=_shortages(lines, failed)
        ) from None
    return reservation


class _Rollback(Exception):
    """Leaves the hold's transaction: a line could not be held."""


def _locked(reservation_id) -> Reservation:
    return Reservation.objects.select_for_update().get(pk=reservation_id)


def _close(reservation: Reservation, status: str, actor) -> None:
    """Takes a held reservation's units out of `reserved` (and, for a sale, out of on_hand)."""
    sale = status == Reservation.Status.COMMITTED
    reason = {
        Reservation.Status.COMMITTED: Reason.SALE,
        Reservation.Status.RELEASED: Reason.RELEASE,
        Reservation.Status.EXPIRED: Reason.EXPIRY,
    }[status]
    now = timezone.now()
    lines = sorted(reservation.lines.all(), key=lambda line: (line.product_id, line.location_id))
    level_ids = {
        (product, location): pk
        for pk, product, location in StockLevel.objects.filter(
            product_id__in={line.product_id for line in lines},
            location_id__in={line.location_id for line in lines},
        ).values_list("pk", "product_id", "location_id")
    }
    movements = []
    for line in lines:
        level_id = level_ids[line.product_id, line.location_id]
        changes = {"reserved": F("reserved") - line.quantity, "updated_at": now}
        if sale:
            changes["on_hand"] = F("on_hand") - line.quantity
        # in (product, location) order, as holds lock them; the CHECKs refuse anything below 0
        StockLevel.objects.filter(pk=level_id).update(**changes)
        movements.append(
            StockMovement(
                level_id=level_id,
                reserved_delta=-line.quantity,
                on_hand_delta=-line.quantity if sale else 0,
                reason=reason,
                actor=actor,
                reservation=reservation,
                created_at=now,
            )
        )
    StockMovement.objects.bulk_create(movements)
    stock_changed.send(StockLevel, deltas=_deltas(movements))
    reservation.status, reservation.closed_at = status, now
    reservation.save(update_fields=["status", "closed_at"])
    _availability_refresh([line.product_id for line in lines], actor)


def _expired(reservation: Reservation) -> bool:
    return (
        reservation.status == Reservation.Status.HELD and reservation.expires_at <= timezone.now()
    )


def reservation_close(*, reservation_id, status: str, actor) -> Reservation:
    """Commits (a sale) or releases a held reservation. One that has expired, even if the sweep
    has not reached it yet, is expired now and answers 409 reservation_closed."""
    with transaction.atomic():
        reservation = _locked(reservation_id)
        if _expired(reservation):
            _close(reservation, Reservation.Status.EXPIRED, None)
        elif reservation.status == Reservation.Status.HELD:
            _close(reservation, status, actor)
            return reservation
    raise ReservationClosedError(reservation)


def reservations_expire(limit: int = 500) -> int:
    """Expires the held reservations whose time is up, each in its own transaction (a
    reservation being committed or released is skipped, and decided by that). Returns how many."""
    expired = 0
    due = Reservation.objects.filter(status=Reservation.Status.HELD, expires_at__lte=timezone.now())
    for reservation_id in due.order_by("expires_at").values_list("pk", flat=True)[:limit]:
        with transaction.atomic():
            reservation = (
                Reservation.objects.select_for_update(skip_locked=True)
                .filter(pk=reservation_id)
                .first()
            )
            if reservation is not None and _expired(reservation):
                _close(reservation, Reservation.Status.EXPIRED, None)
                expired += 1
    return expired


def idempotent_requests_prune() -> int:
    """Forgets the answers stored under Idempotency-Keys older than IDEMPOTENCY_KEY_SECONDS (a
    client retries within minutes; the reservations themselves stay). Returns how many."""
    cutoff = timezone.now() - timedelta(seconds=settings.IDEMPOTENCY_KEY_SECONDS)
    deleted, _ = IdempotentRequest.objects.filter(created_at__lt=cutoff).delete()
    return deleted


def audit() -> list[dict]:
    """The levels that are not the sum of their movements: [{level, product, location, on_hand,
    reserved, movements_on_hand, movements_reserved}]. Empty when the ledger adds up."""
    sums = StockLevel.objects.annotate(
        moved_on_hand=Sum("movements__on_hand_delta", default=0),
        moved_reserved=Sum("movements__reserved_delta", default=0),
    ).filter(~Q(on_hand=F("moved_on_hand")) | ~Q(reserved=F("moved_reserved")))
    return [
        {
            "level": level.pk,
            "product": level.product_id,
            "location": level.location_id,
            "on_hand": level.on_hand,
            "reserved": level.reserved,
            "movements_on_hand": level.moved_on_hand,
            "movements_reserved": level.moved_reserved,
        }
        for level in sums.order_by("pk")
    ]

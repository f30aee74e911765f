"""Writes: the order's path from "Finaliser la commande" to "Valider" (or payment).

One import path for every caller: `booking.services.draft_order` and the rest live in
`orders` (draft, validate, an agent's booking), `holds` (card payments: hold, confirm,
release, expire), `waiting` (the waiting list: join, leave, promotion, kept places) and
`rules` (refusals, the checks and locks they share).
"""

from booking.credit import NothingToPay, lock_household
from booking.services.absences import absence_justify
from booking.services.attendance import (
    AttendanceRefused,
    attendance_close_day,
    attendance_record,
    close_due_attendance_days,
)
from booking.services.holds import (
    Confirmation,
    confirm_held_order,
    expire_holds,
    hold_order,
    lock_order_status,
    release_hold,
)
from booking.services.orders import (
    book_for_household,
    draft_order,
    save_service,
    validate_order,
)
from booking.services.rules import (
    DRAFT_LIFETIME,
    HOLD_LIFETIME,
    LineError,
    OrderRefused,
    PaymentRequired,
    ReasonRequired,
    lock_site_days,
)
from booking.services.waiting import (
    WaitingRefused,
    book_promoted,
    close_waiting_lists,
    expire_waiting_offers,
    join_waiting_list,
    leave_waiting_list,
    promote_waiting,
    remove_waiting_request,
)

_lock_site_days = lock_site_days  # the former private name, for branches still using it

__all__ = [
    "AttendanceRefused",
    "absence_justify",
    "attendance_close_day",
    "attendance_record",
    "close_due_attendance_days",
    "DRAFT_LIFETIME",
    "HOLD_LIFETIME",
    "Confirmation",
    "LineError",
    "NothingToPay",
    "OrderRefused",
    "PaymentRequired",
    "ReasonRequired",
    "WaitingRefused",
    "book_promoted",
    "close_waiting_lists",
    "expire_waiting_offers",
    "join_waiting_list",
    "leave_waiting_list",
    "promote_waiting",
    "remove_waiting_request",
    "book_for_household",
    "confirm_held_order",
    "draft_order",
    "expire_holds",
    "hold_order",
    "lock_household",
    "lock_order_status",
    "lock_site_days",
    "release_hold",
    "save_service",
    "validate_order",
]

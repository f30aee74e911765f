"""Reads: the planning grid, prices, places, recaps. Query counts do not grow with the
number of children, months or days: everything is loaded in bulk, then computed.

One import path for every caller (`booking.selectors.planning_for`...): `rules` (services,
sites, the ServiceRules of a service, places, reservations), `grid` (the planning grid),
`recap` (an order's recap, a household's orders), `kitchen` (counts, the kitchen list).
"""

from booking import calendar
from booking.selectors.attendance import AttendanceFact, billing_facts
from booking.selectors.grid import (
    ChildTab,
    DayCell,
    KindTab,
    MonthTab,
    OffDay,
    Planning,
    judge_cell,
    month_weeks,
    planning_for,
)
from booking.selectors.kitchen import count_reservations_this_month, kitchen_list
from booking.selectors.recap import (
    OrderStatus,
    Recap,
    RecapRow,
    order_lines,
    order_of_household,
    order_recap,
    orders_awaiting_payment,
    wanted_keys_of_draft,
)
from booking.selectors.rules import (
    ACTIVE,
    ServiceRules,
    active_services,
    cell_key,
    closed_days,
    closed_words,
    enrolments_of,
    household_reservations,
    is_closed,
    open_months,
    parse_cell_key,
    places_taken,
    service_by_code,
    service_rules,
    site_by_id,
    sites,
)

__all__ = [
    "ACTIVE",
    "AttendanceFact",
    "ChildTab",
    "DayCell",
    "KindTab",
    "MonthTab",
    "OffDay",
    "OrderStatus",
    "Planning",
    "Recap",
    "RecapRow",
    "ServiceRules",
    "active_services",
    "billing_facts",
    "calendar",
    "cell_key",
    "closed_days",
    "is_closed",
    "closed_words",
    "count_reservations_this_month",
    "enrolments_of",
    "household_reservations",
    "judge_cell",
    "kitchen_list",
    "month_weeks",
    "open_months",
    "order_lines",
    "order_of_household",
    "order_recap",
    "orders_awaiting_payment",
    "parse_cell_key",
    "places_taken",
    "planning_for",
    "service_by_code",
    "service_rules",
    "site_by_id",
    "sites",
    "wanted_keys_of_draft",
]

"""The canteen fixtures live in tests/conftest.py and the builders in
tests/booking/factories.py; these names stay importable from here for older imports."""

from tests.booking.factories import Canteen, build_canteen, next_months, paris  # noqa: F401
from tests.conftest import canteen, canteen_2027  # noqa: F401

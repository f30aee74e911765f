"""Services, calendars, deadlines, places, reservations and orders."""

"""French formats for the back office: dates 18/12/2017, times 10:00 (never 10:00:00).

Django's own French module (django/conf/locale/fr/formats.py) gives the rest; this one
is read first (FORMAT_MODULE_PATH)."""

DATE_FORMAT = "d/m/Y"
SHORT_DATE_FORMAT = "d/m/Y"
DATETIME_FORMAT = "d/m/Y H:i"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
TIME_FORMAT = "H:i"
# The first input format is also how a time field shows its value: "10:00".
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S", "%Hh%M"]

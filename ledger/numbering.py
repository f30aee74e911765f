"""Gap-free document numbers: `FA|AV|RG` + year + 6 digits, from a counter row per kind and
year locked in the issuing transaction."""

from django.db import connection

from ledger.models import NumberCounter


def allocate_number(kind: str, year: int) -> int:
    """The next number of this kind and year, from a counter row locked until the caller's
    transaction ends: concurrent issuers wait in line, and a rollback gives the number back."""
    return allocate_numbers(kind, year, 1)


def format_number(kind: str, year: int, sequence: int) -> str:
    return f"{kind}{year}{sequence:06d}"


def allocate_numbers(kind: str, year: int, count: int) -> int:
    """`count` consecutive numbers; returns the first. One statement creates the counter row
    if needed, takes its lock (held until the caller's transaction ends: an upsert's update
    locks the row, a new row is invisible to others until commit) and moves it on."""
    table = NumberCounter._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (kind, year, last_number) VALUES (%s, %s, %s)"  # noqa: S608
            " ON CONFLICT (kind, year) DO UPDATE"
            f" SET last_number = {table}.last_number + EXCLUDED.last_number"
            " RETURNING last_number",
            [kind, year, count],
        )
        (last,) = cursor.fetchone()
    return last - count + 1


def give_back_numbers(kind: str, year: int, first: int, count: int) -> None:
    """Undo allocate_numbers in the same transaction (its lock is still held, so the numbers
    are still the last ones): for an issuer that found its document issued meanwhile."""
    NumberCounter.objects.filter(kind=kind, year=year, last_number=first + count - 1).update(
        last_number=first - 1
    )

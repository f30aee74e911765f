"""Gap-free document numbers: `FA|AV|RG` + year + 6 digits, from a counter row per kind and
year locked in the issuing transaction."""

from ledger.models import NumberCounter


def allocate_number(kind: str, year: int) -> int:
    """The next number of this kind and year, from a counter row locked until the caller's
    transaction ends: concurrent issuers wait in line, and a rollback gives the number back."""
    NumberCounter.objects.bulk_create(
        [NumberCounter(kind=kind, year=year, last_number=0)], ignore_conflicts=True
    )
    counter = NumberCounter.objects.select_for_update().get(kind=kind, year=year)
    counter.last_number += 1
    counter.save(update_fields=["last_number"])
    return counter.last_number


def format_number(kind: str, year: int, sequence: int) -> str:
    return f"{kind}{year}{sequence:06d}"


def allocate_numbers(kind: str, year: int, count: int) -> int:
    """`count` consecutive numbers under the same lock as allocate_number; returns the first."""
    NumberCounter.objects.bulk_create(
        [NumberCounter(kind=kind, year=year, last_number=0)], ignore_conflicts=True
    )
    counter = NumberCounter.objects.select_for_update().get(kind=kind, year=year)
    first = counter.last_number + 1
    counter.last_number += count
    counter.save(update_fields=["last_number"])
    return first

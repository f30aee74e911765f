"""What `{{ value }}` writes with autoescape on, for markup written from Python
(booking/templatetags/planning_grid.py, ledger/templatetags/ledger_rows.py)."""

from html import escape as _html_escape


def esc(value) -> str:
    """conditional_escape without its SafeString wrapping per call (a page writes hundreds):
    a safe value as it is, anything else as str() with & < > " ' escaped."""
    if hasattr(value, "__html__"):
        return value.__html__()
    return _html_escape(str(value))

"""Reading a day typed into a form or a query (YYYY-MM-DD): pages, the API and commands."""

from datetime import date


def parse_day(value: str | None) -> date | None:
    """The day, or None when it is empty or not a date (the caller says which it was)."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None

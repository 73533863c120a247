"""Days: reading one typed into a form or a query (YYYY-MM-DD), for pages, the API and
commands, and a person's age on one."""

from datetime import date


def parse_day(value: str | None) -> date | None:
    """The day, or None when it is empty or not a date (the caller says which it was)."""
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def age_on(born: date, day: date) -> int:
    """Whole years of age (周岁) on `day`: a year more on each birthday (one born on
    29 February on 1 March in other years). The age the rules compare (DROPOUT's 6–15
    on the visit date) and every age a page or the API shows."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))

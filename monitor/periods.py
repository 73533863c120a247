"""Days: reading one typed into a form or a query (YYYY-MM-DD), for pages, the API and
commands, a person's age on one, and what "within N days" means (domain.md §7)."""

from datetime import date, timedelta


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


def within(day: date, days: int) -> date:
    """The last day of "within `days` days of `day`" (domain.md §7): within 3 days of day T
    is by the end of day T + 3. Every deadline the product stores (an alert's verify, plan
    and close, a declaration's acceptance, a task's or measure's due date) is such a last
    day: the work may still be done on it."""
    return day + timedelta(days=days)


def is_missed(deadline: date, today: date) -> bool:
    """A deadline is missed (overdue) from the day after its last day: T + 4 for within 3
    days of T. Queries ask the same as `deadline < today` (`<field>__lt=today`)."""
    return today > deadline

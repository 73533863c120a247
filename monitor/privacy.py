"""Personal data (issue 9): who sees ID numbers, phone numbers and birth dates in full,
the masks everyone else sees, and the logging filter that keeps them out of every log.

This is the one mechanism. The API (visits/api.py), the pages (the `privacy` template
filters in monitor/templatetags/privacy.py) and the log handlers (shouwang/settings.py
LOGGING) all ask it.

Who needs the full numbers (domain.md §1): village officers, town and county supervisors
and administrators work cases (visits, verification, the county's confirmation, the
department comparison) and see them in full. Department staff act on the tasks of their
channel and see only what those tasks need: 500241********1234, 138****5678, an age
instead of a birth date. Anyone else (no role, logged out, inactive) sees the masks.
Management commands run by county IT write the county's own files and do not come here:
they keep the full numbers.
"""

import logging
import re
from datetime import date
from urllib.parse import unquote

from django.utils.cache import add_never_cache_headers

from .periods import age_on
from .roles import SEE_PERSONAL_DATA, may

# 18-character resident IDs and mainland mobile numbers inside free text (log lines,
# tracebacks, URLs). `\b` does not work here: Chinese characters are word characters, so
# "身份证号500241…" has no word boundary before the digits. A number is delimited by
# anything that is not an ASCII letter or digit instead.
_EDGE_BEFORE, _EDGE_AFTER = r"(?<![0-9A-Za-z])", r"(?![0-9A-Za-z])"
ID_NUMBER_IN_TEXT = re.compile(rf"{_EDGE_BEFORE}(\d{{6}})\d{{8}}(\d{{3}}[0-9Xx]){_EDGE_AFTER}")
PHONE_IN_TEXT = re.compile(
    rf"{_EDGE_BEFORE}((?:\+|00)?86[- ]?)?(1[3-9]\d)[- ]?\d{{4}}[- ]?(\d{{4}}){_EDGE_AFTER}")


def sees_personal_data(user) -> bool:
    """Whether this user sees ID numbers, phones and birth dates in full: the roles that
    work cases do; department staff, and anyone without a working role, do not."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return may(user, SEE_PERSONAL_DATA)


# What a mask leaves of an ID number's end: the most of it anyone may search by who
# does not see the whole number (households.models HouseholdQuerySet.matching).
SEARCHABLE_TAIL = 4


def mask_id_number(number: str) -> str:
    """500241********1234: area code and last four, enough to tell people apart."""
    if len(number) != 18:
        return number
    return f"{number[:6]}********{number[-SEARCHABLE_TAIL:]}"


def mask_phone(phone: str) -> str:
    """138****5678: enough to recognise a number, not to call it."""
    digits = phone.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return f"{digits[:3]}{'*' * (len(digits) - 7)}{digits[-4:]}"


def mask_text(text: str) -> str:
    """The text with every ID number and mobile phone number in it masked."""
    text = ID_NUMBER_IN_TEXT.sub(r"\1********\2", text)
    return PHONE_IN_TEXT.sub(lambda m: f"{m[1] or ''}{m[2]}****{m[3]}", text)


def shown_id_number(number: str, user) -> str:
    return number if not number or sees_personal_data(user) else mask_id_number(number)


def shown_phone(phone: str, user) -> str:
    return phone if not phone or sees_personal_data(user) else mask_phone(phone)


def shown_text(text: str, user) -> str:
    """A text the system wrote (e.g. why a list row could not be compared), with the
    numbers in it masked for those who do not see them."""
    return text if sees_personal_data(user) else mask_text(text)


def shown_birth_date(birth: date | None, user, today: date) -> str:
    """The birth date, or for those who do not see it the age today (the masked ID
    number hides the birth date too)."""
    if birth is None:
        return ""
    if sees_personal_data(user):
        return birth.isoformat()
    return f"{age_on(birth, today)}岁"


def mask_logged(text: str) -> str:
    """mask_text for a log line, whatever encoding a number hides in: a URL's escapes
    (q%3D500241…, %2C, %20, escaped twice as %253D) are decoded first, so the number is
    found and masked; the line is logged decoded, which reads better anyway."""
    for _ in range(3):  # a path escaped twice, as some proxies pass it on
        if "%" not in text:
            break
        decoded = unquote(text)
        if decoded == text:
            break
        text = decoded
    return mask_text(text)


class NoStoreForUsers:
    """Every answer to a logged-in user (a page, the API with a session or a token, a
    download) says Cache-Control: no-store, so a shared office computer's browser keeps
    no copy of ID numbers, phones or incomes once the user has gone. Static files are
    served before this (WhiteNoise) and keep their long cache; the officer's offline
    store of capture work is its own, wiped at logout."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)  # the API's token user too: DRF sets it
        if user is not None and user.is_authenticated:
            add_never_cache_headers(response)
        return response


class PersonalDataFilter(logging.Filter):
    """Masks ID numbers and mobile phone numbers in every record a handler writes: the
    message with its arguments merged in, the traceback and the stack. Installed on every
    handler in LOGGING, so it covers the records of django.request (request paths),
    django.server (request lines with their query strings), Celery and the project."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # arguments that do not fit the message: keep both, masked
            message = f"{record.msg} {record.args!r}"
        record.msg, record.args = mask_logged(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_logged(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_logged(record.stack_info)
        return True

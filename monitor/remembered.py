"""Pages and API lists served again from memory while nothing they read has changed.

The alert queue, its API and the dashboard are asked for again and again by people
waiting on them, and most of the time nothing has changed in between. On PostgreSQL
every statement that writes one of the tables in monitor/counting.py's TRACKED adds one
to a change count in its own transaction (alerts/migrations/0010). A response is
remembered with the change counts read before it was made, logging in included; it is
served again while

1. the change counts are the same, so no commit has written anything it could read;
2. everything it read is in tracked tables: the session and the user it logged in with,
   or the API token, as much as the alerts, households and places it shows;
3. it is asked for with the same credentials (session cookie, token), for the same URL
   and format, in the same language, with the same CSRF cookie, on the same day;
4. the session it logged in with has not expired, nor anything else the view says holds
   only until a moment (`remember_until`: the dashboard's figures).

So a move, an assignment, a check's evaluation, a renamed village, a logout or a
deactivated user shows on the very next request, and a response served from memory is
the one the view would make now: the list is never stale. A response that may not be
made the same way twice is not remembered: one that set a cookie or made a new CSRF
secret, wrote a row, changed the session, showed messages, or was not a 200.

Responses are kept per worker process, the KEEP most recently used. On SQLite, inside
a transaction, and with sessions kept anywhere but in the database (their end would not
move a change count), nothing is remembered.
"""

import functools
import re
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.db import connection
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone

from .counting import READS, TRACKED, current_changes

KEEP = 256  # responses remembered per process; the least recently used is forgotten
READABLE = TRACKED | {"alerts_changecount"}  # reading the change counts themselves
READ_ONLY = re.compile(r"\s*SELECT\b", re.IGNORECASE)
DB_SESSIONS = "django.contrib.sessions.backends.db"


@dataclass(frozen=True)
class Remembered:
    changes: str
    until: datetime | None
    headers: tuple
    content: bytes
    used_session: bool
    used_csrf: bool


_responses: OrderedDict[tuple, Remembered] = OrderedDict()
_lock = threading.Lock()


class Reads:
    """The tables a response's statements read, and whether any statement wrote."""

    def __init__(self):
        self.tables: set[str] = set()
        self.wrote = False

    def __call__(self, execute, sql, params, many, context):
        self.tables.update(READS.findall(sql))
        self.wrote = self.wrote or not READ_ONLY.match(sql)
        return execute(sql, params, many, context)

    @property
    def exact(self) -> bool:
        return not self.wrote and self.tables <= READABLE


def remember_until(request, moment: datetime) -> None:
    """The response rests on something that holds only until `moment`, not only on the
    database (the dashboard's figures as last counted)."""
    request.remember_until = min(moment, getattr(request, "remember_until", moment))


def remembering(request) -> bool:
    """Whether this request may be answered from memory, and its answer remembered."""
    return (connection.vendor == "postgresql" and not connection.in_atomic_block
            and settings.SESSION_ENGINE == DB_SESSIONS
            and request.method in ("GET", "HEAD") and has_credentials(request)
            and not len(messages.get_messages(request)))


def has_credentials(request) -> bool:
    """A session cookie or an Authorization header: anyone else is sent to log in."""
    return bool(request.COOKIES.get(settings.SESSION_COOKIE_NAME)
                or request.headers.get("Authorization"))


def request_key(request, name: str) -> tuple:
    """Everything besides the database that the response is made of."""
    return (name, connection.settings_dict["NAME"], request.build_absolute_uri(),
            request.headers.get("Accept", ""), getattr(request, "LANGUAGE_CODE", ""),
            request.headers.get("Authorization", ""),
            request.COOKIES.get(settings.SESSION_COOKIE_NAME, ""),
            request.META.get("CSRF_COOKIE", ""), timezone.localdate())


def recall(key: tuple, changes: str) -> Remembered | None:
    with _lock:
        found = _responses.get(key)
        if found is None or found.changes != changes or (
                found.until is not None and timezone.now() >= found.until):
            return None
        _responses.move_to_end(key)
        return found


def keep(key: tuple, found: Remembered) -> None:
    with _lock:
        _responses[key] = found
        _responses.move_to_end(key)
        while len(_responses) > KEEP:
            _responses.popitem(last=False)


def replay(request, found: Remembered) -> HttpResponse:
    """The remembered response, with what middleware added to the first one added again:
    `Vary: Cookie` for a session read, the CSRF cookie's renewal for a form rendered."""
    if found.used_session:
        request.session.accessed = True
    if found.used_csrf:
        get_token(request)
    response = HttpResponse(found.content)
    for header, value in found.headers:
        response.headers[header] = value
    return response


def until(request) -> datetime | None:
    """When the response stops holding besides the change counts: the session's expiry
    (with the view's own moment, if it gave one)."""
    moment = getattr(request, "remember_until", None)
    if request.session.session_key:
        expires = request.session.get_expiry_date()
        moment = expires if moment is None else min(moment, expires)
    return moment


def rememberable(request, response, reads: Reads, csrf_secret) -> bool:
    return (reads.exact and response.status_code == 200 and not response.cookies
            and not response.streaming and request.user.is_authenticated
            and not request.session.modified
            and request.META.get("CSRF_COOKIE") == csrf_secret)  # no new CSRF secret


def respond(request, name: str, make):
    """The response `make()` gives (logging in included), or the one it gave before if
    nothing it read has changed since; `name` tells views apart."""
    if not remembering(request):
        return make()
    key, changes = request_key(request, name), current_changes(connection)
    found = recall(key, changes)
    if found is not None:
        return replay(request, found)
    csrf_secret, reads = request.META.get("CSRF_COOKIE"), Reads()
    with connection.execute_wrapper(reads):
        response = make()
        if hasattr(response, "render") and not response.is_rendered:
            response.render()
    if rememberable(request, response, reads, csrf_secret):
        keep(key, Remembered(changes, until(request), tuple(response.headers.items()),
                             response.content, request.session.accessed,
                             bool(request.META.get("CSRF_COOKIE_NEEDS_UPDATE"))))
    return response


def remembered(view):
    """A page view served again while nothing it read has changed. Put it above
    @login_required: logging in is part of what is remembered."""
    name = f"{view.__module__}.{view.__qualname__}"

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        return respond(request, name, lambda: view(request, *args, **kwargs))

    return wrapper


class RememberedList:
    """A DRF viewset whose list is served again while nothing it read has changed;
    authentication, throttles and content negotiation are part of what is remembered."""

    def dispatch(self, request, *args, **kwargs):
        make = functools.partial(super().dispatch, request, *args, **kwargs)
        if self.action_map.get(request.method.lower()) != "list":
            return make()
        return respond(request, f"{type(self).__module__}.{type(self).__qualname__}", make)


def forget_all() -> None:
    """Tests: start from an empty memory."""
    with _lock:
        _responses.clear()

"""Every page a role can reach reads in the county's language: walked link by link from
the home page of each demo login, no page shows a bare rule code or a login name where a
person reads (domain.md §5, §7). A page added later is walked too, once it is linked."""

import io
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest
from django.core.management import call_command
from django.db import transaction

from monitor.models import User

from .test_rule_names import codes_read_on

SKIP = ("/logout/", "/admin/", "/api/", "/static/", "/i18n/", "/login/")
PAGES_PER_ROLE = 80


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs, self.parts, self.hidden = [], [], 0

    def handle_starttag(self, tag, attrs):
        self.hidden += tag in ("script", "style")
        href = dict(attrs).get("href")
        if tag == "a" and href:
            self.hrefs.append(href)

    def handle_endtag(self, tag):
        self.hidden -= tag in ("script", "style")

    def handle_data(self, data):
        if not self.hidden:
            self.parts.append(data)


@pytest.fixture(scope="module")
def demo_county(django_db_setup, django_db_blocker):
    """The demo county, made once for the module inside a transaction rolled back at its
    end (a flush would also empty what the migrations seed, such as the catalogue)."""
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo_county", "--households", "150", stdout=io.StringIO())
        yield
        transaction.set_rollback(True)


def walk(client, start: str = "/"):
    """Pages reached by following links from `start` (HTML answers only)."""
    seen, queue = set(), deque([start])
    while queue and len(seen) < PAGES_PER_ROLE:
        path = queue.popleft()
        if path in seen:
            continue
        seen.add(path)
        answer = client.get(path)
        if answer.status_code != 200 or "text/html" not in answer.get("Content-Type", ""):
            continue
        links = Links()
        links.feed(answer.content.decode())
        yield path, " ".join(links.parts), answer.content.decode()
        for href in links.hrefs:
            target = urlsplit(urljoin(path, href))
            if target.netloc or target.path.startswith(SKIP) or "download" in target.path:
                continue
            queue.append(target.path + (f"?{target.query}" if target.query else ""))


@pytest.mark.django_db
@pytest.mark.parametrize("login", ["town", "county", "village", "dept_education", "admin"])
def test_no_page_a_role_reaches_shows_a_rule_code_or_a_login(client, demo_county, login):
    user = User.objects.get(username=login)
    client.force_login(user)
    logins = set(User.objects.values_list("username", flat=True)) - {"admin"}  # a word too
    pages = 0
    for path, text, html in walk(client):
        pages += 1
        assert codes_read_on(html) == set(), (path, codes_read_on(html))
        shown = {name for name in logins if name in text}
        assert shown == set(), (path, shown)
    assert pages >= 5, f"{login} reached only {pages} pages"

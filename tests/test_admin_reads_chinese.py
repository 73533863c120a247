"""The admin site reads wholly in Chinese: its index, every table's list, add form and
first record, and the password pages, as county IT sees them. Login names and a
password's stored hash are data, not words, and may be Latin letters."""

import re

import pytest
from axes.models import AccessLog
from django.contrib.auth.models import Permission

from monitor.models import User

from .test_pages_read_chinese import Links, demo_county  # noqa: F401  (a fixture)

# Inside a Chinese sentence of Django's own catalogue: an acronym, and the keys to hold
# down for choosing several permissions (按住 "Control"，或者 Mac 上的 "Command").
ACRONYMS = {"LDAP", "Control", "Command", "Mac"}
WORD = re.compile(r"[A-Za-z][A-Za-z'’]{2,}")


def read(client, path: str) -> tuple[str, list[str]]:
    answer = client.get(path)
    assert answer.status_code == 200, path
    links = Links()
    links.feed(answer.content.decode())
    return " ".join(links.parts), links.hrefs


def admin_pages(client) -> list[str]:
    _, hrefs = read(client, "/admin/")
    tables = sorted({h for h in hrefs if re.fullmatch(r"/admin/\w+/\w+/", h)})
    adds = sorted({h for h in hrefs if re.fullmatch(r"/admin/\w+/\w+/add/", h)})
    first_records = []
    for table in tables:
        _, links = read(client, table)
        first_records += [h for h in links if re.fullmatch(re.escape(table) + r"\d+/change/",
                                                           h)][:1]
    return ["/admin/", *tables, *adds, *first_records, "/admin/password_change/"]


@pytest.mark.django_db
def test_every_admin_page_reads_in_chinese(client, demo_county):  # noqa: F811
    admin = User.objects.get(username="admin")
    admin.is_superuser = admin.is_staff = True
    admin.save()
    client.force_login(admin)
    data = set(User.objects.values_list("username", flat=True))
    for user in User.objects.all():
        data |= set(WORD.findall(user.password))
    data |= set(WORD.findall(" ".join(AccessLog.objects.values_list(  # recorded as sent
        "http_accept", "user_agent", "path_info").first() or ())))
    pages = admin_pages(client) + [f"/admin/monitor/user/{admin.pk}/password/"]
    assert len(pages) > 40
    english = {}
    for path in pages:
        text, _ = read(client, path)
        words = {w for w in WORD.findall(text) if w not in data and w not in ACRONYMS
                 and not any(w in name for name in data)}
        if words:
            english[path] = words
    assert english == {}, "\n".join(f"{p}: {sorted(w)}" for p, w in english.items())


@pytest.mark.django_db
def test_permissions_are_named_in_chinese(demo_county):  # noqa: F811
    assert not Permission.objects.filter(name__startswith="Can ").exists()
    assert Permission.objects.filter(codename="add_alert").get().name == "可新增预警"

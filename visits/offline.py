"""Work without signal (domain.md §10): what the phone needs from the server.

The phone keeps the officer's pages in the service worker's caches and what waits to be
sent in IndexedDB (docs/offline.md tells the whole story). The server's part is small:

- the service worker itself at /sw.js, so its scope covers every page, and the web app
  manifest, both naming the project's static files by their served (hashed) names;
- which pages the phone may keep: the officer's own pages (the household list, each
  household's file and its check form, the 待发送 page) carry the KEEP header, and only
  for a user who may work offline (monitor/roles.py WORK_OFFLINE: a village officer, whose
  scope is a few villages). The worker stores nothing else that holds personal data;
- the list of those pages for the officer's villages, for the 下载离线资料 step;
- a fresh CSRF token at send time (it rotates at login) that also says whether the login
  still holds: the outbox waits, rather than fails, while it does not.
"""

import hashlib
import json
from functools import cache, wraps
from math import ceil
from pathlib import Path

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import never_cache

from households.models import Household, Member
from monitor.roles import WORK_OFFLINE, may

KEEP_HEADER = "X-Shouwang-Offline"
LIST_PAGE_SIZE = 50  # the household list's pages (views.household_list)
# The app shell: every file of these static folders, kept on the phone at install. ECharts
# (the supervisors' dashboard) is not: a phone in the field does not draw charts.
SHELL_FOLDERS = ("css", "js", "icons", "vendor/idb")
SHELL_FILES = ("favicon.svg",)
# What the worker loads itself: the phone's store and the sender, shared with the pages.
WORKER_IMPORTS = ("vendor/idb/idb-8.0.4.umd.js", "js/offline-store.js", "js/outbox-core.js")


def shell_files() -> list[str]:
    """The app shell's static paths, e.g. "js/outbox.js"."""
    root = Path(settings.BASE_DIR) / "static"
    found = [str(p.relative_to(root)) for folder in SHELL_FOLDERS
             for p in sorted((root / folder).rglob("*")) if p.is_file()
             and p.suffix in (".js", ".css", ".png", ".svg")]
    return found + list(SHELL_FILES)


@cache
def shell() -> tuple[list[str], str]:
    """The shell's URLs as served, and a version that changes with any of their contents,
    so a new release replaces the phone's copy (the worker's cache is named after it)."""
    root = Path(settings.BASE_DIR) / "static"
    digest = hashlib.sha256()
    for path in shell_files():
        digest.update(path.encode())
        digest.update((root / path).read_bytes())
    digest.update(render_to_string("offline/sw.js", {"shell": "[]", "imports": "[]",
                                                     "version": ""}).encode())
    return [static(p) for p in shell_files()], digest.hexdigest()[:12]


def kept_offline(view):
    """Mark a page the phone may keep for work without signal: only for a user who may
    work offline, only a page in full (200), and the household list only unfiltered (the
    pages the officer downloads, not every search)."""
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        filtered = set(request.GET) - {"page"}
        if (request.user.is_authenticated and may(request.user, WORK_OFFLINE)
                and response.status_code == 200 and not filtered):
            response[KEEP_HEADER] = "keep"
        return response
    return wrapped


def offline_pages(user) -> list[str]:
    """Every page of the officer's villages to keep on the phone: the household list page
    by page, the 待发送 page, each household's file, check form and new-member form, and
    each member's leave and ID-number forms (members change in the field too, §10). The
    scope decides (monitor/scope.py), so a household moved out of the villages drops out
    at the next download."""
    numbers = list(Household.objects.visible_to(user).order_by("number").values_list(
        "number", flat=True))
    first = reverse("households:list")
    pages = [first] + [f"{first}?page={n}"
                       for n in range(2, ceil(len(numbers) / LIST_PAGE_SIZE) + 1)]
    pages.append(reverse("households:outbox"))
    for number in numbers:
        pages += [reverse("households:detail", args=[number]),
                  reverse("households:check_new", args=[number]),
                  reverse("households:member_new", args=[number])]
    for number, pk in Member.objects.visible_to(user).order_by(
            "household__number", "pk").values_list("household__number", "pk"):
        pages += [reverse("households:member_leave", args=[number, pk]),
                  reverse("households:member_id_number", args=[number, pk])]
    return pages


# ── Views ─────────────────────────────────────────────────────────────────────────────


@never_cache
def service_worker(request):
    """The worker at the site's root, so its scope is every page."""
    urls, version = shell()
    response = HttpResponse(render_to_string("offline/sw.js", {
        "shell": json.dumps(urls + [reverse("offline_fallback")]), "version": version,
        "imports": json.dumps([static(p) for p in WORKER_IMPORTS]),
    }), content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response


def manifest(request):
    """The web app manifest: installable from the browser's menu, opening on 我的农户."""
    body = {
        "name": "守望 · 防止返贫动态监测", "short_name": "守望", "lang": "zh-CN",
        "start_url": reverse("households:list"), "scope": "/", "display": "standalone",
        "background_color": "#f6f7f9", "theme_color": "#b3261e",
        "icons": [{"src": static(f"icons/icon-{size}.png"), "sizes": f"{size}x{size}",
                   "type": "image/png", "purpose": "any"} for size in (192, 512)],
    }
    return JsonResponse(body, content_type="application/manifest+json",
                        json_dumps_params={"ensure_ascii": False})


def offline_fallback(request):
    """What a page not kept on the phone shows without signal. It names no one, so it
    belongs to the shell, which logging out keeps."""
    return render(request, "offline/fallback.html")


@never_cache
def offline_list(request):
    """The pages of the officer's villages for the phone to download; 403 for a role that
    keeps nothing on a phone."""
    if not request.user.is_authenticated or not may(request.user, WORK_OFFLINE):
        return JsonResponse({"detail": "该角色不在手机上保存离线资料"}, status=403)
    pages = offline_pages(request.user)
    households = sum(1 for p in pages if p.endswith("/checks/new/"))
    return JsonResponse({"pages": pages, "households": households})


@never_cache
def send_token(request):
    """A CSRF token for the outbox's next send, and whose it is; 401 when the login has
    expired, so the outbox keeps waiting until the officer logs in again."""
    if not request.user.is_authenticated:
        return JsonResponse({"detail": "登录已过期，请重新登录"}, status=401)
    return JsonResponse({"csrf": get_token(request), "user": request.user.pk,
                         "offline": may(request.user, WORK_OFFLINE)})


@kept_offline
def outbox_page(request):
    """待发送: what waits on this phone, drawn by static/js/outbox-page.js from IndexedDB.
    Open without a login, so an officer whose login expired still sees what is waiting."""
    return render(request, "offline/outbox.html")

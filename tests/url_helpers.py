"""Every URL pattern of the project, from Django's resolver, for tests that try a class
of request on every page and API address (issue 16): a page added later is tried too."""

import re

from django.urls import URLPattern, URLResolver, get_resolver

PARAMETER = re.compile(r"<(?:\w+:)?(\w+)>|\(\?P<(\w+)>[^)]*\)")
SKIPPED = ("admin/", "i18n/", "static/")  # Django's own admin and language switch


def routes(resolver: URLResolver | None = None, prefix: str = "") -> list[str]:
    """Every route as a template, "/households/<str:number>/checks/<int:pk>/" or
    "/api/^households/(?P<pk>[^/.]+)/$", Django's admin and the API's catch-all left out."""
    found = []
    for pattern in (resolver or get_resolver()).url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found += routes(pattern, route)
        elif isinstance(pattern, URLPattern) and not route.startswith(SKIPPED) \
                and ".*" not in route:
            found.append("/" + route)
    return found


def parameters(route: str) -> list[str]:
    return [a or b for a, b in PARAMETER.findall(route)]


def filled(route: str, value: str) -> str:
    """The route with every parameter set to `value` (not escaped: a test may put any
    character in a path)."""
    return PARAMETER.sub(lambda m: value, route).replace("^", "").replace("$", "")


def plain_routes() -> list[str]:
    """The routes that take no parameter (lists, forms, the dashboard)."""
    return [filled(route, "") for route in routes() if not parameters(route)]

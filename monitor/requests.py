"""Requests no view can use, refused with 400 and a reason in Chinese before they reach
one (issue 16): a 500 is an error in the code, never the answer to a bad request.

- A NUL character anywhere a request carries text (path, query, form fields, cookies):
  PostgreSQL cannot store or compare one, and a query holding it fails with a 500.
  `RefuseMalformedRequests`, one middleware, refuses them for every page and the API.
- A form's id that is not a number ("abc" for an alert or a person): `posted_id`.
- A `next` that leads off the site (https://evil.example, //evil.example) or nowhere
  ("foo"): `next_or` follows only a path of this site, else the page's own fallback.
- JSON nested too deeply to parse (Python's parser recurses), or holding a NUL:
  `JSONParser`, the API's one parser.
"""

from django.core.exceptions import BadRequest
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from rest_framework import parsers
from rest_framework.exceptions import ParseError

NUL = "\x00"
NUL_REFUSAL = "请求中含有空字符（NUL），无法处理"
MAX_JSON_DEPTH = 32  # a check with its members is 3 deep
MAX_ID_DIGITS = 18  # a bigint holds 18 digits whole


def carries_nul(request) -> bool:
    """A NUL in the path, the query, a cookie or a page's form fields. The API's bodies
    are its JSONParser's to refuse: reading them here would leave the API nothing to
    parse (and a form posted to it would no longer be a 415)."""
    texts = [request.path, *request.COOKIES.keys(), *request.COOKIES.values()]
    forms = request.method == "POST" and not request.path.startswith("/api/")
    for data in (request.GET, request.POST) if forms else (request.GET,):
        for key, values in data.lists():
            texts += [key, *values]
    return any(NUL in text for text in texts)


class RefuseMalformedRequests:
    """Answers 400 to a request carrying a NUL character, before any view or session
    reads it (JSON on the API, a line of Chinese on a page)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if carries_nul(request):
            return refusal(request, NUL_REFUSAL)
        return self.get_response(request)


def refusal(request, message: str):
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=400)
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


def bad_request(request, exception=None):
    """handler400: the reason in Chinese (a BadRequest raised by a view says it)."""
    said = str(exception) if isinstance(exception, BadRequest) and str(exception) else ""
    return refusal(request, said or "请求有误，无法处理")


def posted_id(data, name: str, label: str) -> int | None:
    """The id a form posted under `name` (None when empty); BadRequest, naming `label`,
    when it is not a whole number a database id could be."""
    value = data.get(name, "").strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= MAX_ID_DIGITS):
        raise BadRequest(f"“{label}”应为编号（数字），收到的是“{value[:20]}”")
    return int(value)


def next_or(request, fallback: str) -> str:
    """Where the form asks to go back to (its `next`), when that is a path of this site;
    otherwise `fallback` (a URL name or path). Every view that follows a `next` asks here."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return resolve_url(fallback)


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing (400) what the code behind it cannot take: nesting
    deeper than MAX_JSON_DEPTH (thousands of [ would exhaust the parser's recursion)
    and a NUL in any key or text."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(f"JSON 嵌套过深（最多 {MAX_JSON_DEPTH} 层）") from None
        problem = json_problem(data)
        if problem:
            raise ParseError(problem)
        return data


def json_problem(data) -> str:
    """Why this parsed JSON is refused, or "": walked without recursion."""
    pending = [(data, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            return f"JSON 嵌套过深（最多 {MAX_JSON_DEPTH} 层）"
        if isinstance(value, str) and NUL in value:
            return NUL_REFUSAL
        if isinstance(value, dict):
            if any(NUL in key for key in value):
                return NUL_REFUSAL
            pending += [(item, depth + 1) for item in value.values()]
        elif isinstance(value, list):
            pending += [(item, depth + 1) for item in value]
    return ""


"""What every API view shares: pagination, error translation, idempotent submission and
the error shapes the schema documents. The routes are in shouwang/api_urls.py; the views
in households/api.py, visits/api.py, alerts/api/ and reports/api.py.

Errors are JSON. A refusal from a service reaches the client in its own Chinese words:
a Django ValidationError with field keys becomes a 400 with the same keys, a refusal
(monitor/roles.py `Refused`) a 400 `{"detail": ...}`, a lost race (`LostRace`: someone
else changed it first) a 409.
"""

import hashlib
import json
from datetime import date, datetime

from django import forms
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, transaction
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .models import IdempotencyKey
from .roles import LostRace, Refused

# ── Pagination ────────────────────────────────────────────────────────────────────────


class Pagination(PageNumberPagination):
    """50 a page with the total `count`; a client may ask for up to 200."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200


# ── Errors ────────────────────────────────────────────────────────────────────────────


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "该对象刚被他人修改，请刷新后再操作"
    default_code = "conflict"


def field_errors(error: DjangoValidationError) -> dict:
    """A service's ValidationError as DRF's field-keyed dict; one without fields goes
    under non_field_errors, as DRF's own do."""
    if hasattr(error, "error_dict"):
        return {("non_field_errors" if key == "__all__" else key): messages
                for key, messages in error.message_dict.items()}
    return {"non_field_errors": error.messages}


def exception_handler(exc, context):
    """DRF's handler, plus the services' exceptions: Django's ValidationError → 400 with
    field keys, a refusal (monitor/roles.py) → 400, a lost race → 409."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(field_errors(exc))
    elif isinstance(exc, LostRace):
        exc = Conflict(str(exc))
    elif isinstance(exc, Refused):
        exc = exceptions.ValidationError({"detail": str(exc)})
    return drf_exception_handler(exc, context)


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text="原因（中文）")


class FieldErrorsSerializer(serializers.Serializer):
    """400: each invalid field (or `detail`, `non_field_errors`) with its Chinese messages."""

    detail = serializers.CharField(required=False, help_text="业务规则拒绝的原因")
    non_field_errors = serializers.ListField(child=serializers.CharField(), required=False)


ERROR_RESPONSES = {
    400: OpenApiResponse(FieldErrorsSerializer, description="参数或内容有误：按字段给出中文原因"),
    403: OpenApiResponse(DetailSerializer, description="未登录，或该角色不能做此操作"),
    404: OpenApiResponse(DetailSerializer,
                         description="不存在，或不在您的工作范围内（两者回答相同）"),
    409: OpenApiResponse(DetailSerializer,
                         description="冲突：已被他人处理，或幂等键已用于不同的内容"),
}


def errors(*codes: int) -> dict:
    """The documented error responses for these status codes."""
    return {code: ERROR_RESPONSES[code] for code in codes}


# ── Filters ───────────────────────────────────────────────────────────────────────────

MAX_ID = 2**63 - 1  # the largest id a database row can have


class IdField(forms.IntegerField):
    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(filters.NumberFilter):
    """An object's id: a whole number a row could have, else 400 (not a database error)."""

    field_class = IdField


class StrictBooleanField(forms.NullBooleanField):
    """true / false (or 1 / 0); anything else is an error rather than "no filter", so a
    client's typo never silently returns everything."""

    widget = forms.TextInput  # django-filter's BooleanWidget turns unknown words into None

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip().lower()
        if value in (None, ""):
            return None
        if value in (True, "true", "1"):
            return True
        if value in (False, "false", "0"):
            return False
        raise DjangoValidationError("应为 true 或 false", code="invalid")

    def validate(self, value):
        pass


class BooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(*args, **kwargs)


LIST_ERRORS = {
    400: ERROR_RESPONSES[400],
    404: OpenApiResponse(DetailSerializer, description="页码超出范围"),
}


@csrf_exempt  # a POST to a wrong path is a 404, not a CSRF refusal page
def not_found(request, *args, **kwargs):
    """Any other path under /api/: a JSON 404 like the API's own, not the HTML page."""
    return JsonResponse({"detail": "未找到。"}, status=404)


# ── Tables (the five lists, the ledger) ──────────────────────────────────────────────


class PageQuery(serializers.Serializer):
    """Paging for tables that are not querysets: the same parameters as the lists."""

    page = serializers.IntegerField(required=False, min_value=1, default=1)
    page_size = serializers.IntegerField(required=False, min_value=1,
                                         max_value=Pagination.max_page_size,
                                         default=Pagination.page_size)


def cell(value):
    """A table cell as JSON: whole numbers stay numbers, everything else is text."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if value is None:
        return ""
    if isinstance(value, date | datetime):
        return value.isoformat()
    return str(value)


@extend_schema_field({"oneOf": [{"type": "string"}, {"type": "integer"}]})
class CellField(serializers.Field):
    """A table cell: text, or a whole number (counts, days)."""


# ── Idempotent submission ─────────────────────────────────────────────────────────────

IDEMPOTENCY_HEADER = "Idempotency-Key"
IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER, {"type": "string", "minLength": 1, "maxLength": 255, "pattern": r"\S"},
    OpenApiParameter.HEADER, required=False,
    description="可选。客户端为一次提交生成的唯一键（如 UUID，最长 255 字符）。"
                "断网重发时带同一个键：只记录一次，并返回与第一次相同的状态码和内容；"
                "同一个键配上不同的内容回答 409。",
)
REPLAYED_HEADER = "Idempotent-Replayed"


class _Discard(Exception):
    def __init__(self, response):
        self.response = response


def fingerprint(request) -> str:
    """What a resend must repeat exactly: method, path and body."""
    payload = json.dumps({"method": request.method, "path": request.path,
                          "body": request.data}, sort_keys=True, cls=DjangoJSONEncoder,
                         ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()


def idempotent(request, handle) -> Response:
    """Answer `handle()` at most once per (user, Idempotency-Key); a resend gets the
    stored answer, the same key with another body a 409.

    The key row is claimed first, in the transaction that does the work, so of two
    concurrent requests with one key the second waits on the unique constraint until the
    first commits, then replays its answer. Only a success is stored: after a refusal the
    client may fix the body and send it again under the same key."""
    key = request.headers.get(IDEMPOTENCY_HEADER)
    if key is None:
        return handle()
    key = key.strip()
    if not key or len(key) > 255:
        raise exceptions.ValidationError(
            {IDEMPOTENCY_HEADER: ["幂等键不能为空，且不能超过255个字符"]})
    digest = fingerprint(request)
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    claim = IdempotencyKey.objects.create(
                        user=request.user, key=key, fingerprint=digest, status_code=0, body={})
            except IntegrityError:
                earlier = IdempotencyKey.objects.get(user=request.user, key=key)
                return replay(earlier, digest)
            response = handle()
            if not status.is_success(response.status_code):
                raise _Discard(response)
            claim.status_code, claim.body = response.status_code, response.data
            claim.save(update_fields=["status_code", "body"])
            return response
    except _Discard as discarded:
        return discarded.response


def replay(earlier: IdempotencyKey, digest: str) -> Response:
    if earlier.fingerprint != digest:
        raise Conflict("该幂等键（Idempotency-Key）已用于另一份内容不同的提交。"
                       "重发同一提交时内容须完全相同；新的提交请使用新的幂等键。")
    return Response(earlier.body, status=earlier.status_code,
                    headers={REPLAYED_HEADER: "true"})

"""The 政策 page (domain.md §1): the county supervisor (and the administrator) sets the
county's monitoring lines and thresholds, effective-dated, each shown with the value in
force today and its default, and reads who changed what and why."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from .models import AuditEvent, MonitoringLine, PolicySetting
from .parameters import DEFAULTS, FIRST_LINE, SWITCHES
from .periods import parse_day
from .policy import Policy
from .policy_changes import line_set, policy_set
from .roles import SET_POLICY, may, refusal_as_message

DEFAULT_PROVINCE = "50"  # MonitoringLine's default: a user without a place works here


def _allowed(user) -> None:
    if not may(user, SET_POLICY):
        raise PermissionDenied(SET_POLICY.words(user))


def province_of(user) -> str:
    return user.place_id[:2] if user.place_id else DEFAULT_PROVINCE


def shown(key: str, value) -> str:
    if key in SWITCHES:
        return "开启" if value else "关闭"
    return f"{value.normalize():f}"


@login_required
def policy(request):
    """The lines and thresholds, what is in force today beside each, and the changes."""
    user = request.user
    _allowed(user)
    today, rules, province = timezone.localdate(), Policy(), province_of(user)
    settings = {}
    for setting in PolicySetting.objects.order_by("effective_from", "id"):
        settings.setdefault(setting.key, []).append(setting)
    thresholds = [{"key": key, "label": label, "default": shown(key, default),
                   "in_force": shown(key, rules.value(key, today)),
                   "settings": settings.get(key, [])}
                  for key, (default, label) in DEFAULTS.items()]
    return render(request, "monitor/policy.html", {
        "today": today, "province": province, "thresholds": thresholds,
        "line_in_force": rules.line(province, today), "first_line": FIRST_LINE,
        "lines": MonitoringLine.objects.filter(province=province).order_by("year"),
        "changes": AuditEvent.objects.filter(object_kind__in=("policy", "line")).select_related(
            "actor").order_by("-at", "-id")[:50],
    })


@login_required
@require_POST
def policy_change(request):
    """One change from the page: a threshold or a year's line, with its reason."""
    user, data = request.user, request.POST
    _allowed(user)
    with refusal_as_message(request):
        if data.get("kind") == "line":
            line = line_set(province=province_of(user), year=data.get("year"),
                            value=data.get("amount", ""), reason=data.get("reason", ""),
                            actor=user)
            messages.success(request, f"已设置 {line.year} 年监测线：{line.amount} 元/人·年")
        else:
            setting = policy_set(key=data.get("key", ""), value=data.get("value", ""),
                                 effective_from=parse_day(data.get("effective_from")),
                                 reason=data.get("reason", ""), actor=user)
            messages.success(request, f"已设置“{DEFAULTS[setting.key][1]}”："
                                      f"{shown(setting.key, setting.value)}，"
                                      f"{setting.effective_from} 起生效")
    return redirect("monitor:policy")

"""Pages for households: the officer's list, the check form and its result, the household
file and its print view. Every page reads through monitor/scope.py; a household outside
the user's scope is a 404, the same answer as for one that does not exist."""
from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Prefetch, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone

from alerts.models import Alert, AlertMove, Measure, Plan, Task
from households.groups import group_key
from households.models import Check, Household, Place
from monitor.models import AuditEvent
from monitor.roles import CHANGE_MEMBERS, RECORD_CHECKS, Channel, may
from monitor.scope import sees_audit_trail

from .carryover import INCOME_CHANGE_ASKED, SLIPPED_DIGIT_RATIO
from .forms import CheckEntry, HouseholdFilterForm
from .offline import LIST_PAGE_SIZE, kept_offline

STEPS = [
    ("basic", "基本情况"), ("two", "两不愁"), ("education", "义务教育"),
    ("medical", "基本医疗"), ("housing", "住房安全"), ("water", "饮水安全"),
    ("income", "收入"), ("labour", "劳动就业"), ("sudden", "突发情况"),
]
# How long the check page refreshes itself while waiting for the evaluation (a broker
# that is down should not leave a phone reloading for ever).
EVALUATION_PATIENCE = timedelta(minutes=5)
# The household page lists the newest events of its trail; the admin has them all.
TRAIL_SHOWN = 100


def visible_household(user, number: str, *related):
    """The household with this number if the user may see it, else 404."""
    return get_object_or_404(
        Household.objects.visible_to(user).select_related("village__parent", *related),
        number=number)


def with_evidence(alerts):
    """Give each alert its evidence as rows for a table: the values that made it fire
    (lists joined with 、) and the threshold they were compared with."""
    alerts = list(alerts)
    for alert in alerts:
        evidence = alert.evidence or {}
        alert.evidence_values = [
            (label, "、".join(map(str, value)) if isinstance(value, list) else value)
            for label, value in evidence.get("values", {}).items()]
        alert.evidence_threshold = list(evidence.get("threshold", {}).items())
    return alerts


@login_required
@kept_offline
def household_list(request):
    user = request.user
    households = Household.objects.visible_to(user)
    open_alerts = Alert.objects.visible_to(user).open()
    form = HouseholdFilterForm(
        request.GET, villages=list(Place.objects.visible_to(user).villages()[:500]),
        groups=sorted(households.exclude(group="").order_by().values_list(
            "group", flat=True).distinct()[:200], key=group_key))
    counts = open_alerts.filter(household=OuterRef("pk")).order_by().values(
        "household").annotate(n=Count("id")).values("n")
    households = form.apply(households, user=user, open_alerts=open_alerts).select_related(
        "village").annotate(open_alerts=Coalesce(Subquery(counts), 0))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "households/list.html", {
        "form": form,
        "page": Paginator(households, LIST_PAGE_SIZE).get_page(request.GET.get("page")),
        "query": query.urlencode(), "can_record": may(user, RECORD_CHECKS),
    })


def household_file(user, household) -> dict:
    """Everything the household file shows, each part through the scope mechanism:
    members, checks with what each raised, alerts with evidence and moves, class history,
    the plan (一户一策) with measures and tasks."""
    moves = AlertMove.objects.select_related("actor")
    alerts = with_evidence(Alert.objects.visible_to(user).filter(
        household=household).prefetch_related(Prefetch("moves", queryset=moves)).order_by(
        "-raised_on", "-id"))
    tasks = Task.objects.visible_to(user).select_related("person")
    measures = list(Measure.objects.visible_to(user).filter(alert__household=household)
                    .select_related("alert").prefetch_related(Prefetch("tasks", queryset=tasks))
                    .order_by("deadline", "id"))
    channels = dict(Channel.choices)
    for measure in measures:
        measure.channel_label = channels.get(measure.channel, measure.channel)
    checks = list(household.checks.select_related("recorded_by").order_by("-visit_date", "-id"))
    for check in checks:
        check.raised = [a for a in alerts if a.first_check_id == check.id]
        check.cleared = [a for a in alerts if a.cleared_by_id == check.id]
    return {
        "household": household,
        "members": household.members.all(),
        "checks": checks,
        "open_alerts": [a for a in alerts if a.is_open],
        "final_alerts": [a for a in alerts if not a.is_open],
        "status_changes": household.status_changes.order_by("-on", "-id"),
        "plan": Plan.objects.filter(household=household).select_related("created_by").first(),
        "measures": measures,
        "today": timezone.localdate(),
    }


def household_trail(user, household) -> dict:
    """The household's audit trail, newest first, for those who may read it (none for
    department staff): the latest TRAIL_SHOWN events and how many there are in all."""
    if not sees_audit_trail(user):
        return {"trail": None}
    events = AuditEvent.objects.visible_to(user).filter(household=household)
    shown = list(events.select_related("actor").order_by("-at", "-id")[:TRAIL_SHOWN])
    return {"trail": shown,
            "trail_count": events.count() if len(shown) == TRAIL_SHOWN else len(shown)}


@login_required
@kept_offline
def household_detail(request, number):
    household = visible_household(request.user, number, "info_officer")
    context = household_file(request.user, household) | household_trail(request.user, household)
    context["can_record"] = may(request.user, RECORD_CHECKS)
    context["can_change_members"] = may(request.user, CHANGE_MEMBERS)
    return render(request, "households/detail.html", context)


@login_required
def household_print(request, number):
    household = visible_household(request.user, number, "info_officer")
    context = household_file(request.user, household)
    context["printed_at"] = timezone.localtime()
    return render(request, "households/print.html", context)


@login_required
@kept_offline
def check_new(request, number):
    """The check form: validate every answer, record it, show what it raised."""
    household = visible_household(request.user, number)
    if not may(request.user, RECORD_CHECKS):
        raise PermissionDenied(RECORD_CHECKS.words(request.user))
    officer = request.user.display_name
    data = request.POST if request.method == "POST" else None
    entry = CheckEntry(household, data, officer_name=officer)
    if request.method == "POST" and entry.is_valid():
        check = entry.save(recorded_by=request.user)
        if check is not None:
            messages.success(request, f"已保存 {check.visit_date:%Y-%m-%d} 的{check.kind}")
            return redirect("households:check", number=household.number, pk=check.pk)
    return render(request, "households/check_form.html", {
        "household": household, "entry": entry, "form": entry.form, "steps": STEPS,
        "change_asked": INCOME_CHANGE_ASKED,
        "slipped_digit": ",".join(map(str, SLIPPED_DIGIT_RATIO)),
        # The phone sends the check as the API's JSON (static/js/check-draft.js), which
        # names members by ID number; the form's fields name them by prefix.
        "member_ids": {f.prefix: f.member.id_number for f in entry.member_forms},
    }, status=400 if entry.has_errors else 200)


@login_required
def check_detail(request, number, pk):
    """One check: its answers and what it raised, attached or cleared, and why.
    Evaluation runs after commit; until it has, the page says 评估中 and refreshes."""
    household = visible_household(request.user, number)
    check = get_object_or_404(Check.objects.select_related("recorded_by"),
                              household=household, pk=pk)
    alerts = Alert.objects.visible_to(request.user).filter(household=household)
    waited = timezone.now() - check.created_at
    return render(request, "households/check_detail.html", {
        "household": household, "check": check, "waiting_long": waited > EVALUATION_PATIENCE,
        "raised": with_evidence(alerts.filter(first_check=check).order_by("id")),
        "seen_again": with_evidence(
            alerts.filter(last_check=check).exclude(first_check=check).order_by("id")),
        "cleared": alerts.filter(cleared_by=check).order_by("id"),
        "members": check.members,
    })

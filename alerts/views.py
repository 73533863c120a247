"""Pages for alerts at work: the queue, an alert, a household's plan, tasks, notifications.

Every page reads through monitor/scope.py; anything outside it is a 404, the same answer
as for something that does not exist. Views only translate: scope, validate, call a
service, redirect with its message (a refusal's through monitor.roles.refusal_as_message).
"""
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q
from django.http import FileResponse, Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from households.models import Check, Household, Place
from monitor.choices import CheckKind
from monitor.models import User
from monitor.periods import parse_day
from monitor.requests import next_or, posted_id
from monitor.roles import (
    ASSIGN_TASKS,
    PLAN_MEASURES,
    Channel,
    Role,
    may,
    refusal_as_message,
)
from monitor.rules import RULE_NAMES
from monitor.scope import place_covers

from . import plans, services
from .filters import QueueFilter
from .models import (
    Alert,
    Measure,
    Notification,
    Severity,
    State,
    Task,
    TaskEvidence,
    TaskState,
)

PREVIEW_ROWS = 100
FINAL_MOVES = ("dismiss", "close")  # asked again before they are made: nothing follows them
QUEUE_FORM = ("state", "severity", "rule", "overdue", "assignee", "place", "q",
              "sort")  # the queue's <form> and headings


# ── The alert queue and one alert ─────────────────────────────────────────────────────

@login_required
def alert_queue(request):
    """Alerts in scope, filtered by state, severity, rule, assignee, village, overdue and a
    household's number or head (the API's filters, alerts/filters.py), sorted by a column
    (due first by default). Ticks the bulk assignment could not place stay ticked."""
    alerts = Alert.objects.visible_to(request.user).with_due().select_related(
        "household__village", "assignee")
    chosen = QueueFilter(request.GET, queryset=alerts, request=request)
    page = Paginator(chosen.qs, 50).get_page(request.GET.get("page"))
    applied = chosen.form.cleaned_data  # a value the form does not offer is left out
    filters = {name: applied.get(name) or "" for name in QUEUE_FORM}
    query = urlencode({name: chosen.data[name] for name in QUEUE_FORM if chosen.data.get(name)})
    return render(request, "alerts/queue.html", {
        "page": page, "filters": filters, "query": query, "states": State.values,
        "severities": Severity.choices, "rules": RULE_NAMES.items(),
        "villages": Place.objects.visible_to(request.user).villages().order_by("code"),
        "today": timezone.localdate(),
        "people": services.assignable_to(request.user).select_related("place"),
        "kept": {int(v) for v in request.GET.getlist("keep")
                 if v.isascii() and v.isdigit() and len(v) <= 18},
        "headings": queue_headings(filters["sort"], query),
    })


QUEUE_COLUMNS = [("number", "户编号"), (None, "户主"), ("village", "村"), ("rule", "规则"),
                 (None, "风险类型"), ("severity", "严重程度"), ("raised_on", "发现日期"),
                 ("state", "状态"), (None, "层级"), ("assignee", "负责人"), ("due", "到期")]


def queue_headings(sort: str, query: str) -> list[dict]:
    """The queue's column headings: a sortable one links to its order (again: reversed),
    keeping the filters; the current one says which way it runs."""
    others = "&".join(part for part in query.split("&") if not part.startswith("sort="))
    headings = []
    for key, label in QUEUE_COLUMNS:
        heading = {"label": label, "href": "", "arrow": ""}
        if key:
            reverse_it = sort == key
            heading["href"] = f"?{others}&sort={'-' if reverse_it else ''}{key}".replace(
                "?&", "?")
            heading["arrow"] = "↑" if sort == key else "↓" if sort == f"-{key}" else ""
        headings.append(heading)
    return headings


@login_required
@require_POST
def alerts_assign(request):
    """The queue's bulk assignment: the ticked alerts to one responsible person. Those
    that cannot go to the person are listed with the reason and stay ticked."""
    ids = [posted_id({"alert": v}, "alert", "预警") for v in request.POST.getlist("alert") if v]
    alerts = list(Alert.objects.visible_to(request.user).select_related("household").filter(
        pk__in=ids))
    if len(alerts) != len(set(ids)):
        raise Http404("未找到该预警")
    person_id = posted_id(request.POST, "assignee", "负责人")
    assignee = services.assignable_to(request.user).filter(
        pk=person_id).first() if person_id is not None else None
    kept = ids
    if assignee is None:
        messages.error(request, "请选择负责人")
    else:
        with refusal_as_message(request):
            done = services.alerts_assign(alerts=alerts, assignee=assignee, actor=request.user,
                                          note=request.POST.get("note", ""))
            kept = [a.pk for a, _ in done.refused]
            if done.assigned:
                messages.success(request, f"已将 {len(done.assigned)} 条预警指派给 "
                                          f"{assignee.display_name}")
            for alert, why in done.refused:
                messages.warning(request, f"未指派 {alert.household.number} "
                                          f"{alert.rule_name}：{why}")
    if request.POST.get("from") == "alert" and len(alerts) == 1:
        return redirect("alerts:detail", pk=alerts[0].pk)
    keep = "".join(f"&keep={pk}" for pk in kept)
    return redirect(f"{reverse('alerts:queue')}?{request.POST.get('query', '')}{keep}")


@login_required
def alert_detail(request, pk):
    user = request.user
    alert = get_object_or_404(Alert.objects.visible_to(user).select_related(
        "household__village__parent", "first_check", "last_check", "cleared_by",
        "verification_check", "closed_by"), pk=pk)
    measures = Measure.objects.visible_to(user).filter(alert=alert).prefetch_related(
        Prefetch("tasks", queryset=Task.objects.visible_to(user).select_related("person")))
    return render(request, "alerts/detail.html", {
        "alert": alert,
        "history": alert.moves.select_related("actor"),
        "measures": measures,
        "moves": [(key, services.MOVES[key].label) for key in services.moves_for(alert, user)],
        "final_moves": FINAL_MOVES,
        "assignable": [p for p in services.assignable_to(user).select_related("place")
                       if alert.is_open and place_covers(p.place_id, alert.village_code)],
        "verifications": Check.objects.filter(household=alert.household,
                                              kind=CheckKind.VERIFICATION,
                                              visit_date__gte=alert.raised_on),
        "catalogue": plans.catalogue_for(alert)
        if alert.is_open and may(user, PLAN_MEASURES) else [],
    })


@login_required
@require_POST
def alert_move(request, pk):
    user = request.user
    alert = get_object_or_404(Alert.objects.visible_to(user), pk=pk)
    action, note = request.POST.get("action", ""), request.POST.get("note", "")
    if action not in services.MOVES:
        return HttpResponseBadRequest("未知操作")
    seen = request.POST.get("state")
    if seen and seen != alert.state:
        messages.error(request, f"该预警刚被他人处理，当前状态为“{alert.state}”，请确认后再操作")
        return redirect("alerts:detail", pk=alert.pk)
    check, check_id = None, posted_id(request.POST, "check", "核实排查")
    if check_id is not None:
        check = get_object_or_404(Check, pk=check_id, household=alert.household)
    with refusal_as_message(request):
        services.alert_move(alert=alert, actor=user, action=action, note=note, check=check)
        messages.success(request, f"已{services.MOVES[action].label}：现为“{alert.state}”")
    return redirect("alerts:detail", pk=alert.pk)


# ── One plan per household: measures and tasks ───────────────────────────────────────

@login_required
def household_plan(request, number):
    """一户一策: the household's alerts, their measures and tasks, in one page."""
    user = request.user
    household = get_object_or_404(Household.objects.visible_to(user).select_related(
        "village__parent"), number=number)
    alerts = list(Alert.objects.visible_to(user).filter(household=household).order_by(
        "-raised_on", "id"))
    tasks = Task.objects.visible_to(user).select_related("person").prefetch_related("evidence")
    measures = Measure.objects.visible_to(user).filter(alert__household=household).select_related(
        "alert").prefetch_related(Prefetch("tasks", queryset=tasks)).order_by("alert_id", "id")
    by_alert = {}
    for measure in measures:
        by_alert.setdefault(measure.alert_id, []).append(measure)
    can_plan = may(user, PLAN_MEASURES)
    catalogues = {}
    if can_plan:
        for alert in alerts:
            if alert.is_open and alert.risk_type not in catalogues:
                catalogues[alert.risk_type] = plans.catalogue_for(alert)
    rows = [{"alert": a, "measures": by_alert.get(a.id, []),
             "catalogue": catalogues.get(a.risk_type, []) if a.is_open else []}
            for a in alerts]
    return render(request, "alerts/plan.html", {
        "household": household,
        "open_rows": [r for r in rows if r["alert"].is_open],
        "final_rows": [r for r in rows if not r["alert"].is_open],
        "can_assign": may(user, ASSIGN_TASKS),
        "people": assignable_people(household),
        "today": timezone.localdate(),
    })


def assignable_people(household) -> list[User]:
    """People who could carry a task of this household: officers and supervisors of its
    village, town and county, and department staff of its county (the service checks
    the channel)."""
    code = household.village_id
    return list(User.objects.filter(is_active=True).filter(
        Q(role__in=(Role.VILLAGE, Role.TOWN, Role.COUNTY),
          place_id__in=(code, code[:9], code[:6]))
        | Q(role=Role.DEPARTMENT, place_id=code[:6])).order_by("role", "channel", "username"))


@login_required
@require_POST
def measure_add(request, pk):
    alert = get_object_or_404(Alert.objects.visible_to(request.user).select_related("household"),
                              pk=pk)
    with refusal_as_message(request):
        measure = plans.plan_add_measure(
            alert=alert, actor=request.user, measure=request.POST.get("measure", ""),
            deadline=parse_day(request.POST.get("deadline", "")), note=request.POST.get("note", ""))
        messages.success(request, f"已制定帮扶措施：{measure.name}")
    return redirect("alerts:plan", number=alert.household.number)


@login_required
@require_POST
def task_assign(request, pk):
    measure = get_object_or_404(Measure.objects.visible_to(request.user).select_related(
        "alert__household"), pk=pk)
    person, person_id = None, posted_id(request.POST, "person", "责任人")
    if person_id is not None:
        person = User.objects.filter(pk=person_id, is_active=True).first()
        if person is None:
            raise Http404("未找到该用户")
    with refusal_as_message(request):
        task = plans.task_assign(
            measure=measure, actor=request.user, unit=request.POST.get("unit", ""),
            person=person, due=parse_day(request.POST.get("due", "")),
            title=request.POST.get("title", ""), note=request.POST.get("note", ""))
        messages.success(request, f"已指派任务：{task.title}（{task.unit}）")
        if task.due > measure.deadline:  # allowed, but the measure will then be late
            messages.warning(request, f"注意：任务完成期限 {task.due} 晚于措施“{measure.name}”"
                                      f"的完成期限 {measure.deadline}，措施将因此逾期")
    return redirect("alerts:plan", number=measure.alert.household.number)


# ── Tasks (department staff: their channel only) ──────────────────────────────────────

@login_required
def task_list(request):
    tasks = Task.objects.visible_to(request.user).select_related(
        "household__village", "measure__alert", "person").prefetch_related("evidence")
    state = request.GET.get("state", "open")
    if state == "open":
        tasks = tasks.open()
    elif state in TaskState.values:
        tasks = tasks.filter(state=state)
    # The board by channel ("six green channels"): each channel's count, and one at a time.
    counts = dict(tasks.order_by().values_list("channel").annotate(n=Count("id")))
    channels = [(value, label, counts.get(value, 0)) for value, label in Channel.choices]
    channel = request.GET.get("channel", "")
    if channel in Channel.values:
        tasks = tasks.filter(channel=channel)
    page = Paginator(tasks.order_by("due", "id"), 50).get_page(request.GET.get("page"))
    return render(request, "alerts/tasks.html", {
        "page": page, "state": state, "states": TaskState.values, "channel": channel,
        "channels": channels, "query": f"state={state}&channel={channel}",
        "today": timezone.localdate(), "can_reopen": may(request.user, ASSIGN_TASKS),
        "evidence_max_mb": settings.EVIDENCE_MAX_BYTES // (1024 * 1024),
    })


@login_required
@require_POST
def task_update(request, pk):
    task = get_object_or_404(Task.objects.visible_to(request.user), pk=pk)
    with refusal_as_message(request):
        plans.task_update(task=task, actor=request.user, state=request.POST.get("state", ""),
                             note=request.POST.get("note", ""))
        messages.success(request, f"任务“{task.title}”现为“{task.state}”")
    return redirect(next_or(request, "alerts:tasks"))


@login_required
@require_POST
def task_reopen(request, pk):
    """The tasks page's 重新打开: a finished task back to 进行中, with the reason."""
    task = get_object_or_404(Task.objects.visible_to(request.user).select_related("household"),
                             pk=pk)
    with refusal_as_message(request):
        plans.task_reopen(task=task, actor=request.user, reason=request.POST.get("reason", ""))
        messages.success(request, f"任务“{task.title}”已重新打开，现为“{task.state}”")
    return redirect(next_or(request, "alerts:tasks"))


@login_required
@require_POST
def evidence_add(request, pk):
    """A task's 上传佐证: a photo or a scanned form, kept with the task."""
    task = get_object_or_404(Task.objects.visible_to(request.user), pk=pk)
    with refusal_as_message(request):
        evidence = plans.task_add_evidence(task=task, actor=request.user,
                                           upload=request.FILES.get("file"),
                                           note=request.POST.get("note", ""))
        messages.success(request, f"已上传佐证材料“{evidence.name}”（任务“{task.title}”）")
    return redirect(next_or(request, "alerts:tasks"))


@login_required
def evidence_file(request, pk):
    """One evidence file, to whoever sees its task (404 otherwise): a photo or a PDF shown
    in the browser, under its original name."""
    evidence = get_object_or_404(
        TaskEvidence.objects.filter(task__in=Task.objects.visible_to(request.user)), pk=pk)
    try:
        opened = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404("佐证材料文件已不在服务器上，请联系管理员从备份恢复") from None
    return FileResponse(opened, content_type=evidence.content_type, filename=evidence.name)


# ── Notifications ─────────────────────────────────────────────────────────────────────

@login_required
def notifications(request):
    mine = Notification.objects.filter(user=request.user)
    if request.method == "POST":
        mine.filter(read=False).update(read=True)
        return redirect("alerts:notifications")
    page = Paginator(mine, 50).get_page(request.GET.get("page"))
    return render(request, "alerts/notifications.html", {"page": page})


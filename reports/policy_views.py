"""The county's page for a policy change (domain.md §5), reached from the 政策 page: the
proposed line and thresholds from a date, what they would change — households by town and
class now and under them, alerts raised and cleared by rule, the households that change —
then 采纳. Previewing and adopting run in the background with progress
(reports/policy_jobs.py); nothing is written before 采纳."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from alerts.models import ExportJob, ExportKind, ExportState
from alerts.proposal import in_rule_order
from households.models import Household, Place
from monitor.choices import PlaceLevel
from monitor.parameters import DEFAULTS
from monitor.policy import Policy
from monitor.roles import PREVIEW_POLICY, SET_POLICY, Capability, Refused, may

from .policy_jobs import POLICY_KINDS, policy_job_result
from .policy_preview import CLASSES, PREVIEWED, UNCLASSIFIED, class_label, proposal_read
from .tasks import policy_job_request

PAGE_SIZE = 50


def _allowed(user, capability: Capability = PREVIEW_POLICY) -> None:
    if not may(user, capability):
        raise PermissionDenied(capability.words(user))


def counties_of(user):
    return Place.objects.visible_to(user).filter(level=PlaceLevel.COUNTY).order_by("code")


@login_required
def policy_preview(request):
    """The form (a county, a date, a new line, thresholds by their labels, each beside the
    value in force); sent, a preview is queued and its page opened."""
    user = request.user
    _allowed(user)
    counties, data, error = counties_of(user), request.POST or None, ""
    if data is not None:
        settings = {key: data[f"set_{key}"] for key in PREVIEWED
                    if data.get(f"set_{key}", "").strip()}
        try:
            proposal = proposal_read(place=data.get("place"), line=data.get("line"),
                                     effective_from=data.get("effective_from", ""),
                                     settings=settings, counties=counties)
        except Refused as refused:
            error = str(refused)
        else:
            return redirect("policy_preview:job", pk=policy_job_request(
                user=user, proposal=proposal).pk)
    today, policy = timezone.localdate(), Policy()
    county = counties.first()
    return render(request, "reports/policy_preview.html", {
        "counties": counties, "data": data or {}, "error": error, "today": today,
        "line_in_force": f"{policy.line(county.province_code, today).normalize():f}"
        if county else "",
        "thresholds": [{"key": key, "label": DEFAULTS[key][1],
                        "in_force": f"{policy.value(key, today).normalize():f}",
                        "asked": (data or {}).get(f"set_{key}", "")}
                       for key in PREVIEWED],
        "jobs": ExportJob.objects.filter(user=user, kind__in=POLICY_KINDS)[:5],
    })


@login_required
def policy_job(request, pk):
    """A preview or an adoption: its progress while it runs, then what it changes."""
    user = request.user
    _allowed(user)
    job = get_object_or_404(ExportJob.objects.select_related("place"), pk=pk, user=user,
                            kind__in=POLICY_KINDS)
    context = {"job": job, "adopted": job.kind == ExportKind.POLICY_ADOPTION}
    if job.state == ExportState.DONE:
        result = policy_job_result(job)
        context |= shown(result, request.GET.get("page"), user, context["adopted"])
        context["may_adopt"] = (not context["adopted"] and may(user, SET_POLICY)
                                and not adoption_of(job).exists())
        context["adoption"] = adoption_of(job).first()
    return render(request, "reports/policy_result.html", context)


def adoption_of(job: ExportJob):
    return ExportJob.objects.filter(kind=ExportKind.POLICY_ADOPTION,
                                    parameters__preview=job.pk)


@login_required
@require_POST
def policy_adopt(request, pk):
    """采纳: the previewed values are recorded with the reason and the county's checks
    re-evaluated under them, in the background; once per preview."""
    user = request.user
    _allowed(user, SET_POLICY)
    job = get_object_or_404(ExportJob.objects.select_related("place"), pk=pk, user=user,
                            kind=ExportKind.POLICY_PREVIEW, state=ExportState.DONE)
    reason = request.POST.get("reason", "").strip()
    if adoption_of(job).exists():
        return redirect("policy_preview:job", pk=adoption_of(job).first().pk)
    if not reason or not request.POST.get("confirm"):
        return redirect_with(request, job, "请填写调整原因，并勾选确认后再采纳")
    asked = job.parameters
    try:
        proposal = proposal_read(place=asked["place"], effective_from=asked["effective_from"],
                                 line=asked["line"], settings=asked["settings"],
                                 counties=counties_of(user))
    except Refused as refused:
        return redirect_with(request, job, str(refused))
    adoption = policy_job_request(user=user, proposal=proposal,
                                  kind=ExportKind.POLICY_ADOPTION, reason=reason[:200],
                                  preview=job.pk)
    return redirect("policy_preview:job", pk=adoption.pk)


def redirect_with(request, job, message: str):
    messages.error(request, message)
    return redirect("policy_preview:job", pk=job.pk)


def shown(result: dict, page_number, user, adopted: bool) -> dict:
    """The preview as the page shows it: the towns' table, the rules' table, the chart,
    and one page of the households that change with their head and village by name
    (those the user may see)."""
    labels, rows, total = town_table(result)
    rules = rule_table(result)
    page = Paginator(result["households"], PAGE_SIZE).get_page(page_number)
    found = {h.id: h for h in Household.objects.visible_to(user).filter(
        id__in=[h["id"] for h in page]).select_related("village")}
    return {"result": result, "labels": labels, "towns": rows, "rules": rules,
            "summary": [(label, *total[label]) for label in labels if any(total[label])],
            "asked": asked_text(result), "total": [tuple(total[label]) for label in labels],
            "page": page, "households": [h | {"household": found.get(h["id"])} for h in page],
            "chart": {"classes": labels, "series": (["采纳前", "采纳后"] if adopted
                                                    else ["现在", "调整后"]),
                      "now": [total[label][0] for label in labels],
                      "then": [total[label][1] for label in labels],
                      "rules": [r["name"] for r in rules],
                      "raised": [r["raised"] for r in rules],
                      "cleared": [r["cleared"] for r in rules]}}


def town_table(result: dict) -> tuple[list[str], list[dict], dict]:
    """The classes shown (未分类 only when some household has none), a row a town by
    name with (now, then) a class, and the county's totals."""
    towns = dict(Place.objects.filter(code__in=[t["code"] for t in result["by_town"]])
                 .values_list("code", "name"))
    by_town = [(towns.get(town["code"], town["code"]),
                {c["class"]: (c["now"], c["then"]) for c in town["classes"]})
               for town in result["by_town"]]
    total = {class_label(cls): [0, 0] for cls in CLASSES}
    for _, counts in by_town:
        for label, (now, then) in counts.items():
            total[label][0] += now
            total[label][1] += then
    labels = [label for label in total if label != UNCLASSIFIED or any(total[label])]
    rows = [{"name": name, "cells": [counts.get(label, (0, 0)) for label in labels]}
            for name, counts in by_town]
    return labels, rows, total


def rule_table(result: dict) -> list[dict]:
    """A row a rule (by 名称, in the order of §5): households raising it, clearing it."""
    rules = {r["rule"]: {"name": r["name"], "raised": 0, "cleared": 0}
             for r in result["raised"] + result["cleared"]}
    for what in ("raised", "cleared"):
        for r in result[what]:
            rules[r["rule"]][what] = r["households"]
    return [rules[code] for code in in_rule_order(set(rules))]


def asked_text(result: dict) -> list[str]:
    """What the proposal changes, as a person reads it."""
    asked = [f"监测线 {result['line']} 元/人·年"] if result["line"] else []
    return asked + [f"{DEFAULTS[key][1]} {value}" for key, value in result["settings"].items()]

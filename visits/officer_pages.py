"""The 信息员 page of a village (issue 20): a town or county supervisor sees the village's
officers with the households each looks after (past the policy's limit in red), and
assigns households to an officer in bulk, a village group (村民小组) at a time or the
households ticked. Without a village chosen it lists the villages of the user's place
with their households, those without an officer, and officers over the limit. Writes go
through households/officers.py."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode

from households.groups import group_key
from households.models import Household, Place
from households.officers import officer_limit, officer_loads, officers_assign, officers_of
from monitor.requests import posted_id
from monitor.roles import ASSIGN_OFFICERS, may, refusal_as_message

NOBODY = "none"


@login_required
def officers_page(request):
    if not may(request.user, ASSIGN_OFFICERS):
        raise PermissionDenied("只有乡镇或区县监管人员可以分配信息员")
    code = request.GET.get("village") or request.POST.get("village")
    if not code:
        return render(request, "households/officers_villages.html",
                      {"villages": villages_of(request.user), "limit": officer_limit()})
    village = get_object_or_404(Place.objects.visible_to(request.user).villages(), code=code)
    if request.method == "POST":
        assign(request, village)
        return redirect(f"{reverse('households:officers')}?{urlencode({'village': code})}")
    return render(request, "households/officers.html", village_context(request.user, village))


def villages_of(user) -> list[Place]:
    """The villages of the user's place, with households, those without an officer."""
    return list(Place.objects.visible_to(user).villages().annotate(
        households_n=Count("households"),
        unassigned=Count("households", filter=Q(households__info_officer__isnull=True)),
    ).select_related("parent"))


def village_context(user, village: Place) -> dict:
    households = Household.objects.visible_to(user).filter(village=village).select_related(
        "info_officer")
    officers = officers_of(village)
    loads, limit = officer_loads(officers), officer_limit()
    here = dict(households.exclude(info_officer=None).order_by().values_list(
        "info_officer").annotate(n=Count("id")))
    rows = [{"user": o, "load": loads.get(o.pk, 0), "here": here.get(o.pk, 0),
             "over": loads.get(o.pk, 0) > limit} for o in officers]
    groups = {}
    for household in households:
        group = groups.setdefault(household.group, {"name": household.group, "n": 0,
                                                    "officers": set()})
        group["n"] += 1
        if household.info_officer:
            group["officers"].add(household.info_officer.display_name)
    return {"village": village, "officers": rows, "limit": limit,
            "groups": sorted(groups.values(), key=lambda g: group_key(g["name"])),
            "households": sorted(households, key=lambda h: (group_key(h.group), h.number)),
            "unassigned": sum(1 for h in households if h.info_officer_id is None)}


def assign(request, village: Place) -> None:
    """The form's households (a group, or those ticked) to the officer chosen."""
    households = Household.objects.visible_to(request.user).filter(village=village)
    if "group" in request.POST:
        households = households.filter(group=request.POST["group"])
    else:
        households = households.filter(number__in=request.POST.getlist("households"))
    if not households.exists():
        messages.error(request, "请先勾选农户或选择村民小组")
        return
    officer = None
    if request.POST.get("officer") != NOBODY:
        chosen = posted_id(request.POST, "officer", "信息员")
        officer = next((o for o in officers_of(village) if o.pk == chosen), None)
        if officer is None:
            messages.error(request, "请选择本村的一名村干部作为信息员")
            return
    with refusal_as_message(request):
        done = officers_assign(households=households, officer=officer, actor=request.user)
        who = done.officer.name_and_unit if done.officer else "不指定信息员"
        messages.success(request, f"已更新 {done.changed} 户的信息员：{who}")
        if done.warning:
            messages.warning(request, done.warning)

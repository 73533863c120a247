from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from .dashboard import chart_data, dashboard_cached
from .models import Role
from .scope import households_visible_to, places_visible_to, sees_everything


@login_required
def home(request):
    """一张表挂图作战: the dashboard of the user's place, or of a place below it
    (?place=code); a place outside the user's scope is a 404."""
    user = request.user
    code = request.GET.get("place") or user.place_id
    place = get_object_or_404(places_visible_to(user), code=code) if code else None
    if place is None and not sees_everything(user):
        return render(request, "home.html", {"no_place": True})
    board = dashboard_cached(user, place, timezone.localdate())
    return render(request, "home.html", {
        "board": board, "charts": chart_data(board),
        "household_count": board.total.figures["households"],
        "open_alert_count": board.total.figures["alerts_open"],
        "trail": trail(place, user), "is_village": user.role == Role.VILLAGE,
        "refresh_seconds": settings.DASHBOARD_CACHE_SECONDS,
        "my_households": households_visible_to(user).filter(info_officer=user).count()
        if user.role == Role.VILLAGE else None,
    })


def trail(place, user) -> list:
    """The places from the user's own down to `place`, for going back up."""
    if place is None:
        return []
    codes = [place.code[:n] for n in (6, 9, 12) if n <= len(place.code)]
    return list(places_visible_to(user).filter(code__in=codes).order_by("code"))


def health(request):
    """For a load balancer or a monitor: the process answers. Touches nothing else, which
    also makes it the bare view the load benchmark compares the real pages with."""
    return HttpResponse("ok", content_type="text/plain")

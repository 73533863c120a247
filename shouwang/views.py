"""The project's own views: where a login lands, and a health check for load balancers."""

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect

from monitor.roles import HOME, LANDING


@login_required
def landing(request):
    """Where a login without a `next` lands: the page the role's day starts on."""
    return redirect(LANDING.get(request.user.role, HOME))


def health(request):
    """For a load balancer or a monitor: the process answers. Touches nothing else, which
    also makes it the bare view the load benchmark compares the real pages with."""
    return HttpResponse("ok", content_type="text/plain")

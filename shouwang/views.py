"""The project's own view: a health check for load balancers."""

from django.http import HttpResponse


def health(request):
    """For a load balancer or a monitor: the process answers. Touches nothing else, which
    also makes it the bare view the load benchmark compares the real pages with."""
    return HttpResponse("ok", content_type="text/plain")

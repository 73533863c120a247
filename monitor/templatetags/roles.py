"""Template filters for who may do what (monitor/roles.py decides):

    {% load roles %}
    {% if user|may:"COMPARE_LISTS" %}<a href="…">部门比对</a>{% endif %}
"""

from django import template

from monitor import roles

register = template.Library()


@register.filter
def may(user, capability: str) -> bool:
    """Whether the user may; the capability by its name in monitor/roles.py."""
    found = getattr(roles, capability, None)
    if not isinstance(found, roles.Capability):
        raise template.TemplateSyntaxError(f"monitor/roles.py 没有“{capability}”这项权限")
    return roles.may(user, found)

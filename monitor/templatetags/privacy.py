"""Template filters for personal data (monitor/privacy.py decides who sees what):

    {% load privacy %}
    {{ household.head_id_number|masked_id:user }}   500241********1234 for department staff
    {{ household.phone|masked_phone:user }}          138****5678
    {{ member.birth_date|masked_birth_date:user }}   2013-03-01, or 13岁
    {{ text|masked_text:user }}                      numbers inside a text masked
"""

from django import template
from django.utils import timezone

from monitor import privacy

register = template.Library()


@register.filter
def masked_id(number, user) -> str:
    return privacy.shown_id_number(number or "", user)


@register.filter
def masked_phone(phone, user) -> str:
    return privacy.shown_phone(phone or "", user)


@register.filter
def masked_birth_date(birth, user) -> str:
    return privacy.shown_birth_date(birth, user, timezone.localdate())


@register.filter
def masked_text(text, user) -> str:
    return privacy.shown_text("" if text is None else str(text), user)

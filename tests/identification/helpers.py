"""Dates and the steps of a case, done as each role does them, shared by the
identification tests."""

from datetime import date, timedelta

from django.utils import timezone

from casework.identification import case_step, notice_post
from casework.models import IdentificationCase

TODAY = timezone.localdate()
DAY = TODAY - timedelta(days=30)  # the verification; later steps follow day by day
EARLY, LATE = date(2026, 1, 10), date(2026, 8, 1)  # two checks 6+ months apart


def verify(case, people, **options):
    options.setdefault("consent", True)
    return case_step(case=case, step="verify", outcome="通过", actor=people["village"],
                     done_on=DAY, **options)


def review(case, people):
    return case_step(case=case, step="village", outcome="通过", actor=people["village"],
                     done_on=DAY + timedelta(days=1))


def post(case, people, days=5):
    start = DAY + timedelta(days=2)
    return notice_post(case=case, actor=people["village"], starts_on=start,
                       ends_on=start + timedelta(days=days - 1))


def conclude(case, people, **options):
    return case_step(case=case, step="notice", outcome="通过", actor=people["village"],
                     done_on=DAY + timedelta(days=7), **options)


def town(case, people, outcome="通过", reason=""):
    return case_step(case=case, step="town", outcome=outcome, actor=people["town"],
                     done_on=DAY + timedelta(days=8), reason=reason)


def county(case, people, outcome="通过", reason=""):
    return case_step(case=case, step="county", outcome=outcome, actor=people["county"],
                     done_on=DAY + timedelta(days=10), reason=reason)


def through_notice(case, people):
    verify(case, people)
    review(case, people)
    post(case, people)
    conclude(case, people)


def reload(case):
    return IdentificationCase.objects.get(pk=case.pk)

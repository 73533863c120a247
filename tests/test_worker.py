"""With a broker, evaluation runs on a real Celery worker after the check commits."""

import time
from datetime import date

import pytest
from django.db import transaction

from alerts.models import Alert
from households.services import check_record

from .factories import HouseholdFactory, MemberFactory, id_number, place

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def wait_for(predicate, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_a_committed_check_is_evaluated_by_the_worker(settings):
    assert settings.CELERY_BROKER_URL
    household = HouseholdFactory(village=place("500241101201"), number="HW001")
    MemberFactory(household=household, relation="户主", id_number=id_number(date(1980, 1, 1)),
                  labour="普通劳动力", work="县内务工")
    with transaction.atomic():
        check = check_record(household=household, recorded_by=None,
                             visit_date=date(2026, 3, 1), kind="日常走访", housing="D")
    assert wait_for(lambda: Alert.objects.filter(household=household, rule="HOUSING").exists())
    check.refresh_from_db()
    assert check.evaluated_at is not None
    household.refresh_from_db()
    assert household.household_class == "临界"

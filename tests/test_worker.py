"""With a broker, evaluation runs on a real Celery worker after the check commits."""

import time
from datetime import date

import pytest
from django.db import transaction

from alerts.models import Alert
from households.models import Check
from visits.services import check_record

from .alert_helpers import family
from .api.helpers import client_for
from .api.test_api_checks import answers
from .factories import HouseholdFactory, MemberFactory, id_number, place
from .fault_helpers import REFUSED, wait_for

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


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


def test_a_check_saved_while_redis_is_down_is_evaluated_by_the_sweep_when_it_is_back(
        settings, broker, places, village_officer):
    """Redis down: the API answers 201 and the worker never hears of the check. Redis
    back: the sweep beat would send finds it and the worker raises its alert."""
    from alerts.tasks import evaluate_pending_checks

    real = settings.CELERY_BROKER_URL
    home = family(places["village_a"], "HA001")
    broker(REFUSED)
    response = client_for(village_officer).post("/api/checks/", answers(home, housing="D"),
                                                format="json")
    assert response.status_code == 201, response.content
    time.sleep(1)  # what a worker would need to pick it up, had it been queued
    assert Check.objects.unevaluated().count() == 1 and not Alert.objects.exists()
    broker(real)  # Redis is back
    evaluate_pending_checks.delay()  # as beat sends it every few minutes
    assert wait_for(lambda: Alert.objects.filter(household=home, rule="HOUSING").exists())
    assert not Check.objects.unevaluated().exists()

"""Two supervisors moving the same alert at the same moment, for real: two threads, each
with its own database connection, through the API (issue 9). One wins; the other gets a
409 saying, in Chinese, that someone else moved it; one move is recorded."""

import threading

import pytest
from django.db import connection

from alerts.models import AlertMove, State

from ..alert_helpers import alert_of
from ..fault_helpers import lock_waiters, side_connection, wait_for
from .helpers import client_for

pytestmark = pytest.mark.django_db(transaction=True)

MOVES = [("town_supervisor", {"action": "verify", "note": "入户核实属实"}),
         ("county_supervisor", {"action": "dismiss", "note": "已复学，排除"})]


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's shared in-memory test database refuses a second writer "
                    "('table is locked') instead of making it wait; CI runs this on "
                    "PostgreSQL")


def at_once(request, alert, extra: dict) -> tuple[list[threading.Thread], list[tuple[int, dict]]]:
    """Both supervisors post their move of `alert` together: the threads, and (status,
    body) of each as they answer."""
    clients = [(client_for(request.getfixturevalue(role)), {**body, **extra})
               for role, body in MOVES]
    start, answers = threading.Barrier(len(clients)), []

    def post(client, body):
        start.wait()
        try:
            response = client.post(f"/api/alerts/{alert.pk}/moves/", body, format="json")
            answers.append((response.status_code, response.json()))
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=pair) for pair in clients]
    for thread in threads:
        thread.start()
    return threads, answers


def finish(threads) -> None:
    for thread in threads:
        thread.join(timeout=60)


def assert_one_won(alert, answers, moves_before: int) -> str:
    """One 200, one 409; the alert moved once; the loser's Chinese detail."""
    assert sorted(status for status, _ in answers) == [200, 409], answers
    [winner] = [body for status, body in answers if status == 200]
    [loser] = [body for status, body in answers if status == 409]
    alert.refresh_from_db()
    assert alert.state == winner["state"] in (State.VERIFIED, State.DISMISSED)
    assert AlertMove.objects.filter(alert=alert).count() == moves_before + 1
    return loser["detail"]


def test_two_supervisors_moving_one_alert_at_once_one_wins_one_gets_409(
        request, county, postgresql):
    """Each sends the state it saw (expected_state), as a client should: whichever way
    the two interleave, the second finds the alert moved and is answered 409."""
    alert = alert_of(county["HA001"], "DROPOUT")
    before = alert.moves.count()
    threads, answers = at_once(request, alert, {"expected_state": State.RAISED})
    finish(threads)
    detail = assert_one_won(alert, answers, before)
    assert "他人" in detail and "请刷新" in detail


def test_two_moves_that_both_passed_their_checks_one_is_refused_by_the_update(
        request, county, postgresql):
    """Both requests load the alert and pass the rules before either writes: the test
    holds the household's row lock (which every move takes first) until both wait on it.
    The conditional UPDATE keyed on the state each saw lets one through and refuses the
    other (LostRace → 409)."""
    alert = alert_of(county["HA001"], "DROPOUT")
    before = alert.moves.count()
    holder, watcher = side_connection(), side_connection(autocommit=True)
    try:
        holder.execute("SELECT id FROM households_household WHERE id = %s FOR UPDATE",
                       [alert.household_id])
        threads, answers = at_once(request, alert, {})
        waiting = 'SELECT % FROM "households_household" % FOR UPDATE'
        assert wait_for(lambda: len(lock_waiters(watcher, waiting)) == 2, 30)
        holder.commit()
        finish(threads)
    finally:
        holder.close()
        watcher.close()
    detail = assert_one_won(alert, answers, before)
    assert "该预警刚被他人处理" in detail

"""Closing a quarter: the beat task closes the previous quarter on DEALER_PERIOD_CLOSE_DAY of
the month after it, once, locking dealers' reports and telling the responsible managers; staff
with the permission reopen it, recorded and told too, and the task leaves it open then."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.urls import reverse

from crm.core.records import RecordError
from crm.notifications.models import Notification
from dealers import notify, periodclose, selectors, services, tasks
from dealers.models import ReportingPeriod, SalesReport
from tests.dealers.conftest import full_grid, report_url

pytestmark = pytest.mark.django_db


def notified(event) -> list[str]:
    return sorted(
        Notification.objects.filter(event_type=event.key).values_list(
            "recipient__username", flat=True
        )
    )


@pytest.fixture
def w(cabinet_world):
    w = cabinet_world
    w["previous"] = w["quarter"].previous()
    return w


@override_settings(DEALER_PERIOD_CLOSE_DAY=10)
def test_the_task_closes_the_previous_quarter_on_the_close_day_once_and_notifies_once(w):
    quarter = w["quarter"]
    close_on = quarter.start.replace(day=10)
    assert periodclose.closing_date(quarter.previous()) == close_on
    assert periodclose.periods_close_due(close_on - timedelta(days=1)) == []
    assert not ReportingPeriod.objects.filter(is_closed=True).exists()
    assert periodclose.periods_close_due(close_on) == [quarter.previous()]
    assert periodclose.periods_close_due(close_on) == []
    assert periodclose.periods_close_due(close_on + timedelta(days=5)) == []
    period = ReportingPeriod.objects.get(quarter_start=quarter.previous().start)
    assert (period.is_closed, period.closed_by) == (True, None)
    assert period.closed_at is not None
    # the responsible managers: the owners of the dealers (alpha: manager, zulu: stranger)
    assert notified(notify.PERIOD_CLOSED) == ["manager", "stranger"]


def test_the_close_day_is_kept_within_the_month():
    with override_settings(DEALER_PERIOD_CLOSE_DAY=31):
        assert periodclose.close_day() == 28
    with override_settings(DEALER_PERIOD_CLOSE_DAY=0):
        assert periodclose.close_day() == 1


def test_the_celery_task_closes_the_due_quarter(w, monkeypatch):
    close_on = periodclose.closing_date(w["previous"])
    monkeypatch.setattr(selectors, "today", lambda: close_on)
    assert tasks.close_periods() == [w["previous"].slug]
    assert tasks.close_periods() == []
    assert len(notified(notify.PERIOD_CLOSED)) == 2


def test_the_task_is_on_the_beat_schedule():
    from dealers.schedules import SCHEDULES

    [entry] = [entry for entry in SCHEDULES if entry["task"] == "dealers.close_periods"]
    assert entry["crontab"]["hour"] == "0"
    assert "dealers.close_periods" in tasks.close_periods.name


def test_a_closed_quarter_locks_the_dealers_report(w, logged_in):
    periodclose.periods_close_due(periodclose.closing_date(w["previous"]))
    before = list(SalesReport.objects.values_list("pk", "version"))
    response = logged_in(w["dealer"]).post(report_url(w["previous"]), full_grid(w))
    assert response.status_code in (200, 404)
    assert list(SalesReport.objects.values_list("pk", "version")) == before
    with pytest.raises(services.PeriodClosed):
        services.report_submit(
            w["dealer"],
            organisation=w["alpha"],
            quarter=w["previous"],
            figures={},
            expected_version=0,
        )


def test_staff_with_the_permission_reopen_a_quarter_which_is_recorded_and_notified(w, logged_in):
    periodclose.periods_close_due(periodclose.closing_date(w["previous"]))
    period = ReportingPeriod.objects.get(quarter_start=w["previous"].start)
    assert w["head"].has_perm("dealers.reopen_reportingperiod")
    assert periodclose.period_reopen(w["head"], period) is True
    period.refresh_from_db()
    assert (period.is_closed, period.reopened_by) == (False, w["head"])
    assert period.reopened_at is not None
    assert notified(notify.PERIOD_REOPENED) == ["manager", "stranger"]
    assert periodclose.period_reopen(w["head"], period) is False  # open already: nothing
    assert len(notified(notify.PERIOD_REOPENED)) == 2
    # the task does not close a reopened quarter again; the dealer may correct the report
    assert periodclose.periods_close_due(periodclose.closing_date(w["previous"])) == []
    response = logged_in(w["dealer"]).post(report_url(w["previous"]), full_grid(w))
    assert response.status_code == 302
    assert SalesReport.objects.filter(quarter_start=w["previous"].start).exists()


def test_staff_without_the_permission_cannot_reopen(w):
    periodclose.periods_close_due(periodclose.closing_date(w["previous"]))
    period = ReportingPeriod.objects.get(quarter_start=w["previous"].start)
    for user in (w["manager"], w["dealer"]):
        with pytest.raises(RecordError):
            periodclose.period_reopen(user, period)
    period.refresh_from_db()
    assert period.is_closed is True
    assert notified(notify.PERIOD_REOPENED) == []


def test_staff_close_a_quarter_by_hand_once(w):
    assert periodclose.period_close(w["head"], w["quarter"]) is True
    assert periodclose.period_close(w["head"], w["quarter"]) is False
    period = ReportingPeriod.objects.get(quarter_start=w["quarter"].start)
    assert (period.is_closed, period.closed_by) == (True, w["head"])
    assert len(notified(notify.PERIOD_CLOSED)) == 2
    with pytest.raises(RecordError):
        periodclose.period_close(w["manager"], w["previous"])


def test_a_quarter_older_than_the_previous_cannot_be_reopened(w):
    old = w["previous"].previous()
    period = ReportingPeriod.objects.create(quarter_start=old.start, is_closed=True)
    with pytest.raises(RecordError):
        periodclose.period_reopen(w["head"], period)


def test_the_home_page_shows_a_closed_quarter_as_closed(w, logged_in):
    periodclose.period_close(w["head"], w["quarter"])
    response = logged_in(w["dealer"]).get(reverse("dealers:home"))
    due = {item.quarter: item for item in response.context["due"]}
    assert due[w["quarter"]].closed is True


@override_settings(DEALER_PERIOD_CLOSE_DAY=10)
def test_the_state_staff_see_before_on_and_after_the_close(w, monkeypatch, make_user):
    previous = w["previous"]
    close_on = periodclose.closing_date(previous)
    head = w["head"]
    monkeypatch.setattr(selectors, "today", lambda: close_on - timedelta(days=1))
    state = periodclose.period_state(previous)
    assert (state.is_closed, state.overdue, state.can_close(head), state.can_reopen(head)) == (
        False,
        False,
        True,
        False,
    )
    monkeypatch.setattr(selectors, "today", lambda: close_on)
    assert periodclose.period_state(previous).overdue  # the task has not run yet
    periodclose.periods_close_due(close_on)
    state = periodclose.period_state(previous)
    assert (state.is_closed, state.overdue, state.can_close(head), state.can_reopen(head)) == (
        True,
        False,
        False,
        True,
    )
    assert not state.can_reopen(make_user(username="nobody-here"))
    older = periodclose.period_state(previous.previous())
    assert (older.reportable, older.is_closed, older.can_reopen(head)) == (False, True, False)

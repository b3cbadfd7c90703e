"""The weekly letter: each manager responsible for dealers gets their dealers that have not
reported for the quarter due and a plan vs fact of their organisations this quarter, per flow,
read as that manager; through crm.notifications (the e-mail task, in the user's language);
once a week whatever the number of runs. The task runs as Celery runs it (``.run()``); the
letters are the notifications' e-mails, read from Django's test outbox."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from crm.core.choices import Channel, Source
from crm.core.models import OutboxMessage
from crm.core.periods import Quarter
from crm.notifications import tasks as notification_tasks
from crm.notifications.models import Delivery, Notification, NotificationPreference
from crm.sales import digest, schedules, services, tasks
from crm.sales.choices import Flow, PeriodKind
from crm.sales.selectors import due_quarter
from dealers.models import SalesReport
from tests.sales.conftest import line
from tests.sales.factories import PlanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(sales_world):
    """This quarter: sell-in of 5,000 to alpha against its plan of 10,000; sell-out of 300
    by alpha against 1,200; zulu has reported for the quarter due, alpha has not."""
    w = sales_world
    quarter = Quarter.of(timezone.localdate())
    services.record_lines(
        [
            line("in-1", flow=Flow.SELL_IN, buyer_id=w["alpha"].pk, product_id=w["oil"].pk,
                 date=quarter.start, quantity=50, amount=5000),
            line("out-1", seller_id=w["alpha"].pk, product_id=w["oil"].pk, date=quarter.start,
                 quantity=3, amount=300),
        ],
        source=Source.ERP,
        channel=Channel.SYNC,
    )  # fmt: skip
    for flow, amount in ((Flow.SELL_IN, 10000), (Flow.SELL_OUT, 1200)):
        PlanFactory(
            period_kind=PeriodKind.QUARTER, period_start=quarter.start, flow=flow,
            organisation=w["alpha"], product_group=w["oils"], amount=amount,
        )  # fmt: skip
    SalesReport.objects.create(organisation=w["zulu"], quarter_start=due_quarter().start)
    for user in (w["manager"], w["stranger"]):
        user.language = "ru"
        user.save(update_fields=["language"])
    return w


def deliver() -> list:
    """Run the e-mail tasks the notifications queued; the letters sent."""
    for message in OutboxMessage.objects.filter(task_name="notifications.send_email"):
        notification_tasks.send_notification_email.run(*message.args)
    return list(mail.outbox)


def letter_to(letters, user):
    (found,) = [letter for letter in letters if letter.to == [user.email]]
    return found


def test_each_responsible_manager_gets_their_dealers_and_their_plan_and_fact(world):
    w = world
    outcome = tasks.weekly_dealer_digest.run()
    assert outcome["sent"] == 2  # the owners of alpha and of zulu
    letters = deliver()
    assert {tuple(letter.to) for letter in letters} == {
        (w["manager"].email,),
        (w["stranger"].email,),
    }
    mine = letter_to(letters, w["manager"])
    assert "Альфа-Дилер" in mine.subject + mine.body
    assert "Зулу-Дилер" not in mine.body
    assert due_quarter().label in mine.subject
    assert "5\u202f000\u00a0₽" in mine.body  # sell-in fact
    assert "50,0\u00a0%" in mine.body  # of its plan of 10,000
    assert "25,0\u00a0%" in mine.body  # sell-out 300 of 1,200: the flows apart
    assert "15\u202f300" not in mine.body  # never the two flows added up
    theirs = letter_to(letters, w["stranger"])
    assert "Альфа-Дилер" not in theirs.body
    assert "Зулу-Дилер" not in theirs.body  # zulu has reported


def test_a_second_run_in_the_same_week_sends_nothing(world):
    tasks.weekly_dealer_digest.run()
    assert len(deliver()) == 2
    mail.outbox.clear()
    second = tasks.weekly_dealer_digest.run()
    assert (second["sent"], second["skipped"]) == (0, 2)
    assert deliver() == []  # the e-mail task never sends a notification twice, either
    assert Notification.objects.filter(event_type=digest.DIGEST.key).count() == 2


def test_next_week_the_letter_comes_again(world):
    today = timezone.localdate()
    digest.send_weekly(today)
    Notification.objects.filter(event_type=digest.DIGEST.key).update(
        created_at=timezone.now() - timedelta(days=7)
    )
    assert len(digest.send_weekly(today).sent) == 2


def test_a_manager_who_turned_the_letter_off_gets_none(world):
    w = world
    NotificationPreference.objects.create(
        user=w["manager"], event_type=digest.DIGEST.key, delivery=Delivery.NONE
    )
    result = digest.send_weekly()
    assert result.sent == [w["stranger"].pk]
    assert [letter.to for letter in deliver()] == [[w["stranger"].email]]


def test_the_letter_links_to_the_managers_list(world):
    w = world
    digest.send_weekly()
    notification = Notification.objects.get(recipient=w["manager"], event_type=digest.DIGEST.key)
    assert notification.url.startswith("/sales/plan-fact/not-reported/?")
    assert f"quarter={due_quarter().slug}" in notification.url
    assert not notification.in_app  # an e-mail by default


def test_the_week_starts_on_monday():
    monday = digest.week_start(timezone.localdate())
    assert monday.weekday() == 0
    assert timezone.localdate() - monday < timedelta(days=7)


def test_beat_runs_it_on_monday_mornings():
    (entry,) = [e for e in schedules.SCHEDULES if e["task"] == "sales.weekly_dealer_digest"]
    assert entry["crontab"]["day_of_week"] == "1"
    assert tasks.weekly_dealer_digest.name == entry["task"]

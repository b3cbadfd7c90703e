"""Demo approvals: two rules, two requests waiting (one from a sales manager, one from the ERP)
and one conflict between a dealer's proposal and the ERP, so a fresh install has something in
the regional manager's, the approver's and the data steward's queues. Safe to run again: rules
are found by name; requests and the conflict are made only while none is open."""

from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType

from crm.accounts import roles
from crm.accounts.models import User
from crm.approvals import services
from crm.approvals.models import (
    OPEN_STATES,
    ApprovalRule,
    ApprovalStep,
    ChangeRequest,
    Conflict,
    ConflictState,
    Mode,
    Relative,
)
from crm.clients.models import Organisation
from crm.core.choices import Channel, Source
from crm.outlets.models import Outlet


def _rule(name, model, fields, sources, mode, steps) -> tuple[ApprovalRule, bool]:
    rule, created = ApprovalRule.objects.get_or_create(
        name=name,
        defaults={
            "content_type": ContentType.objects.get_for_model(model),
            "fields": fields,
            "sources": sources,
            "mode": mode,
            "deadline_hours": 48,
        },
    )
    if created:
        for order, step in enumerate(steps, start=1):
            ApprovalStep.objects.create(rule=rule, order=order, **step)
    return rule, created


def seed(scale: str = "ci") -> dict:
    rules = 0
    for made in (
        _rule(
            "Адрес торговой точки",
            Outlet,
            ["address"],
            [Source.STAFF, Source.DEALER],
            Mode.ANY,
            [{"relative": Relative.LINE_MANAGER}],
        ),
        _rule(
            "Реквизиты организации",
            Organisation,
            ["legal_name", "kpp", "legal_address"],
            [Source.STAFF, Source.ERP],
            Mode.SEQUENCE,
            [
                {"relative": Relative.REGIONAL_MANAGER},
                {"role": Group.objects.filter(name=roles.APPROVER).first()},
            ],
        ),
    ):
        rules += made[1]
    requests = 0
    if not ChangeRequest.objects.filter(state__in=OPEN_STATES).exists():
        manager = User.objects.filter(username="manager").first()
        outlet = Outlet.objects.filter(owner=manager).exclude(address="").order_by("pk").first()
        if manager and outlet:
            services.change_request_submit(
                manager,
                source=Source.STAFF,
                channel=Channel.WEB,
                record=outlet,
                changes={"address": outlet.address + ", вход со двора"},
                comment="Вход перенесли во двор, вывеска на арке.",
            )
            requests += 1
        organisation = Organisation.objects.exclude(legal_address="").order_by("pk").first()
        if organisation:
            services.change_request_submit(
                None,
                source=Source.ERP,
                channel=Channel.SYNC,
                record=organisation,
                changes={"legal_address": organisation.legal_address + ", пом. 12"},
            )
            requests += 1
    conflicts = 0
    if not Conflict.objects.filter(state=ConflictState.OPEN).exists():
        head = User.objects.filter(username="head").first()
        outlet = Outlet.objects.exclude(address="").order_by("-pk").first()
        if head and outlet:
            # A dealer's letter entered by the head of sales, then the ERP disagrees.
            services.change_request_submit(
                head,
                source=Source.DEALER,
                channel=Channel.WEB,
                record=outlet,
                changes={"address": outlet.address + ", ТЦ «Галерея», 2 этаж"},
                comment="Письмо дилера: точка переехала на второй этаж.",
            )
            services.change_request_submit(
                None,
                source=Source.ERP,
                channel=Channel.SYNC,
                record=outlet,
                changes={"address": outlet.address + ", стр. 4"},
            )
            conflicts += Conflict.objects.filter(state=ConflictState.OPEN).count()
    return {"rules": rules, "requests": requests, "conflicts": conflicts}

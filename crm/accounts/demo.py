"""Demo org structure and one user per role, with the demo password (settings.DEMO_PASSWORD)."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice

from crm.accounts import roles
from crm.accounts.models import OrgUnit, OrgUnitKind, Position, User
from crm.refs.models import Region

COMPANY = "ООО «Демо-Смазки»"

# name, kind, parent name, region codes covered
UNITS = [
    (COMPANY, OrgUnitKind.COMPANY, None, []),
    ("Макрорегион «Центр»", OrgUnitKind.MACRO_REGION, COMPANY, []),
    ("Макрорегион «Северо-Запад»", OrgUnitKind.MACRO_REGION, COMPANY, []),
    ("Макрорегион «Сибирь»", OrgUnitKind.MACRO_REGION, COMPANY, []),
    ("Москва и область", OrgUnitKind.REGION, "Макрорегион «Центр»", ["77", "50"]),
    ("Черноземье", OrgUnitKind.REGION, "Макрорегион «Центр»", ["36", "31", "46", "48"]),
    ("Санкт-Петербург и область", OrgUnitKind.REGION, "Макрорегион «Северо-Запад»", ["78", "47"]),
    ("Новосибирск и Кузбасс", OrgUnitKind.REGION, "Макрорегион «Сибирь»", ["54", "42", "22"]),
    ("Офис «Москва», отдел продаж", OrgUnitKind.OFFICE, "Москва и область", []),
    ("Офис «Санкт-Петербург»", OrgUnitKind.OFFICE, "Санкт-Петербург и область", []),
    ("Отдел маркетинга", OrgUnitKind.DEPARTMENT, COMPANY, []),
    ("Аналитический отдел", OrgUnitKind.DEPARTMENT, COMPANY, []),
    ("Служба качества данных", OrgUnitKind.DEPARTMENT, COMPANY, []),
    ("ИТ и администрирование", OrgUnitKind.DEPARTMENT, COMPANY, []),
]

# position name, org unit, heads the unit
POSITIONS = [
    ("Директор по продажам", COMPANY, True),
    ("Региональный менеджер", "Москва и область", True),
    ("Менеджер по продажам", "Офис «Москва», отдел продаж", False),
    ("Маркетолог", "Отдел маркетинга", False),
    ("Аналитик", "Аналитический отдел", False),
    ("Ответственный за данные", "Служба качества данных", False),
    ("Администратор CRM", "ИТ и администрирование", False),
]


@dataclass(frozen=True)
class DemoUser:
    username: str
    role: str
    last_name: str
    first_name: str
    middle_name: str
    position: str | None = None
    manager: str | None = None


USERS = [
    DemoUser("admin", roles.ADMINISTRATOR, "Соколов", "Андрей", "Петрович", "Администратор CRM"),
    DemoUser("head", roles.HEAD_OF_SALES, "Орлова", "Елена", "Викторовна", "Директор по продажам"),
    DemoUser(
        "regional",
        roles.REGIONAL_MANAGER,
        "Кузнецов",
        "Дмитрий",
        "Сергеевич",
        "Региональный менеджер",
        "head",
    ),
    DemoUser(
        "manager",
        roles.SALES_MANAGER,
        "Смирнова",
        "Ольга",
        "Николаевна",
        "Менеджер по продажам",
        "regional",
    ),
    DemoUser(
        "manager2",
        roles.SALES_MANAGER,
        "Павлов",
        "Игорь",
        "Андреевич",
        "Менеджер по продажам",
        "regional",
    ),
    DemoUser(
        "manager3",
        roles.SALES_MANAGER,
        "Волкова",
        "Марина",
        "Юрьевна",
        "Менеджер по продажам",
        "regional",
    ),
    DemoUser("marketer", roles.MARKETER, "Николаева", "Анна", "Игоревна", "Маркетолог", "head"),
    DemoUser(
        "approver",
        roles.APPROVER,
        "Фёдоров",
        "Сергей",
        "Иванович",
        "Ответственный за данные",
        "head",
    ),
    DemoUser("analyst", roles.ANALYST, "Морозова", "Татьяна", "Алексеевна", "Аналитик", "head"),
    DemoUser("dealer", roles.DEALER, "Лебедев", "Виктор", "Олегович"),
    DemoUser("subdealer", roles.SUB_DEALER, "Егоров", "Павел", "Михайлович"),
    DemoUser("auditor", roles.AUDITOR, "Зайцева", "Ирина", "Владимировна"),
    DemoUser("contractor", roles.DATA_CONTRACTOR, "Белов", "Роман", "Евгеньевич"),
]


def _seed_units() -> None:
    units: dict[str, OrgUnit] = {}
    for name, kind, parent, region_codes in UNITS:
        units[name], _ = OrgUnit.objects.update_or_create(
            name=name, parent=units.get(parent), defaults={"kind": kind}
        )
        if region_codes:
            units[name].regions.set(Region.objects.filter(code__in=region_codes))
    for name, unit, is_head in POSITIONS:
        Position.objects.update_or_create(
            name=name, org_unit=units[unit], defaults={"is_head": is_head}
        )


def _seed_user(spec: DemoUser, users: dict[str, User]) -> User:
    position = Position.objects.get(name=spec.position) if spec.position else None
    user, created = User.objects.update_or_create(
        username=spec.username,
        defaults={
            "last_name": spec.last_name,
            "first_name": spec.first_name,
            "middle_name": spec.middle_name,
            "email": f"{spec.username}@demo-crm.example",
            "position": position,
            "manager": users.get(spec.manager),
            "is_staff": spec.role == roles.ADMINISTRATOR,
            "is_superuser": spec.role == roles.ADMINISTRATOR,
            "is_active": True,
        },
    )
    if created or not user.check_password(settings.DEMO_PASSWORD):
        user.set_password(settings.DEMO_PASSWORD)
        user.save(update_fields=["password"])
    user.groups.set([Group.objects.get(name=spec.role)])
    if spec.role in settings.OTP_REQUIRED_ROLES:
        TOTPDevice.objects.update_or_create(
            user=user,
            name="demo",
            defaults={"key": settings.DEMO_TOTP_SECRET_HEX, "confirmed": True},
        )
    return user


def seed(*, scale: str) -> dict[str, int]:
    """Create or update the org structure and the demo users; safe to run again."""
    _seed_units()
    users: dict[str, User] = {}
    for spec in USERS:
        users[spec.username] = _seed_user(spec, users)
    return {"org_units": len(UNITS), "users": len(USERS)}


def demo_logins() -> list[dict]:
    """What `make run` prints and the smoke test uses: one entry per demo user."""
    return [
        {
            "username": spec.username,
            "password": settings.DEMO_PASSWORD,
            "role": spec.role,
            "totp_secret_hex": settings.DEMO_TOTP_SECRET_HEX
            if spec.role in settings.OTP_REQUIRED_ROLES
            else None,
        }
        for spec in USERS
    ]

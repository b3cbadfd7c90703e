"""Demo org structure and one user per role, with the demo password (settings.DEMO_PASSWORD).

Everything is keyed on natural keys (unit name within its parent, position name within its
unit, username), so running the seed again updates rows in place and creates nothing.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import check_password, identify_hasher, make_password
from django.contrib.auth.models import Group
from django_otp.plugins.otp_totp.models import TOTPDevice

from crm.accounts import roles
from crm.accounts.models import OrgUnit, OrgUnitKind, Position, User
from crm.refs.models import Region

COMPANY = "ООО «Демо-Смазки»"
CENTRE = "Макрорегион «Центр»"
NORTH_WEST = "Макрорегион «Северо-Запад»"
SIBERIA = "Макрорегион «Сибирь»"
MOSCOW = "Москва и область"
MOSCOW_OFFICE = "Офис «Москва», отдел продаж"
IT = "ИТ и администрирование"

# name, kind, parent name, subject codes of the geographic regions it covers
UNITS = [
    (COMPANY, OrgUnitKind.COMPANY, None, []),
    (CENTRE, OrgUnitKind.MACRO_REGION, COMPANY, []),
    (NORTH_WEST, OrgUnitKind.MACRO_REGION, COMPANY, []),
    (SIBERIA, OrgUnitKind.MACRO_REGION, COMPANY, []),
    (MOSCOW, OrgUnitKind.REGION, CENTRE, ["77", "50"]),
    ("Черноземье", OrgUnitKind.REGION, CENTRE, ["31", "36", "46", "48", "68"]),
    ("Санкт-Петербург и область", OrgUnitKind.REGION, NORTH_WEST, ["78", "47"]),
    ("Север", OrgUnitKind.REGION, NORTH_WEST, ["10", "11", "29", "35", "51"]),
    ("Новосибирск и Кузбасс", OrgUnitKind.REGION, SIBERIA, ["54", "42", "22"]),
    ("Восточная Сибирь", OrgUnitKind.REGION, SIBERIA, ["24", "19", "38"]),
    (MOSCOW_OFFICE, OrgUnitKind.OFFICE, MOSCOW, []),
    ("Офис «Воронеж»", OrgUnitKind.OFFICE, "Черноземье", []),
    ("Офис «Санкт-Петербург»", OrgUnitKind.OFFICE, "Санкт-Петербург и область", []),
    ("Офис «Новосибирск»", OrgUnitKind.OFFICE, "Новосибирск и Кузбасс", []),
    ("Отдел маркетинга", OrgUnitKind.DEPARTMENT, COMPANY, []),
    ("Аналитический отдел", OrgUnitKind.DEPARTMENT, COMPANY, []),
    ("Служба качества данных", OrgUnitKind.DEPARTMENT, COMPANY, []),
    (IT, OrgUnitKind.DEPARTMENT, COMPANY, []),
]

REGIONAL_MANAGER = "Региональный менеджер"
SALES_MANAGER = "Менеджер по продажам"
# position name, org unit, heads the unit
POSITIONS = [
    ("Генеральный директор", COMPANY, True),
    ("Директор по продажам", COMPANY, False),
    *[("Директор макрорегиона", unit, True) for unit in (CENTRE, NORTH_WEST, SIBERIA)],
    *[(REGIONAL_MANAGER, u[0], True) for u in UNITS if u[1] == OrgUnitKind.REGION],
    *[(SALES_MANAGER, u[0], False) for u in UNITS if u[1] == OrgUnitKind.OFFICE],
    ("Руководитель отдела маркетинга", "Отдел маркетинга", True),
    ("Маркетолог", "Отдел маркетинга", False),
    ("Аналитик", "Аналитический отдел", False),
    ("Ответственный за данные", "Служба качества данных", False),
    ("Администратор CRM", IT, False),
]


@dataclass(frozen=True)
class DemoUser:
    """One demo login; staff have a position (name, unit) and a line manager."""

    username: str
    role: str
    last_name: str
    first_name: str
    middle_name: str
    position: tuple[str, str] | None = None
    manager: str | None = None


# Managers come before their subordinates.
USERS = [
    DemoUser(
        "admin", roles.ADMINISTRATOR, "Соколов", "Андрей", "Петрович", ("Администратор CRM", IT)
    ),
    DemoUser(
        "head",
        roles.HEAD_OF_SALES,
        "Орлова",
        "Елена",
        "Викторовна",
        ("Директор по продажам", COMPANY),
    ),
    DemoUser(
        "regional",
        roles.REGIONAL_MANAGER,
        "Кузнецов",
        "Дмитрий",
        "Сергеевич",
        (REGIONAL_MANAGER, MOSCOW),
        "head",
    ),
    DemoUser(
        "manager",
        roles.SALES_MANAGER,
        "Смирнова",
        "Ольга",
        "Николаевна",
        (SALES_MANAGER, MOSCOW_OFFICE),
        "regional",
    ),
    DemoUser(
        "manager2",
        roles.SALES_MANAGER,
        "Павлов",
        "Игорь",
        "Андреевич",
        (SALES_MANAGER, MOSCOW_OFFICE),
        "regional",
    ),
    DemoUser(
        "manager3",
        roles.SALES_MANAGER,
        "Волкова",
        "Марина",
        "Юрьевна",
        (SALES_MANAGER, MOSCOW_OFFICE),
        "regional",
    ),
    DemoUser(
        "marketer",
        roles.MARKETER,
        "Николаева",
        "Анна",
        "Игоревна",
        ("Маркетолог", "Отдел маркетинга"),
        "head",
    ),
    DemoUser(
        "approver",
        roles.APPROVER,
        "Фёдоров",
        "Сергей",
        "Иванович",
        ("Ответственный за данные", "Служба качества данных"),
        "head",
    ),
    DemoUser(
        "analyst",
        roles.ANALYST,
        "Морозова",
        "Татьяна",
        "Алексеевна",
        ("Аналитик", "Аналитический отдел"),
        "head",
    ),
    DemoUser("dealer", roles.DEALER, "Лебедев", "Виктор", "Олегович"),
    DemoUser("subdealer", roles.SUB_DEALER, "Егоров", "Павел", "Михайлович"),
    DemoUser("auditor", roles.AUDITOR, "Зайцева", "Ирина", "Владимировна"),
    DemoUser("contractor", roles.DATA_CONTRACTOR, "Белов", "Роман", "Евгеньевич"),
]


def needs_second_factor(spec: DemoUser) -> bool:
    """The same rule as User.requires_second_factor, for a user that may not exist yet."""
    return spec.role == roles.ADMINISTRATOR or spec.role in settings.OTP_REQUIRED_ROLES


def _seed_units() -> dict[tuple[str, str], Position]:
    units: dict[str, OrgUnit] = {}
    for name, kind, parent, region_codes in UNITS:
        units[name], _ = OrgUnit.objects.update_or_create(
            name=name, parent=units.get(parent), defaults={"kind": kind, "is_active": True}
        )
        units[name].regions.set(Region.objects.filter(code__in=region_codes))
    positions = {}
    for name, unit, is_head in POSITIONS:
        positions[name, unit], _ = Position.objects.update_or_create(
            name=name, org_unit=units[unit], defaults={"is_head": is_head}
        )
    return positions


def _demo_password_hash(existing: Iterable[str]) -> str:
    """A hash of the demo password, reusing a current one: one slow hash per run, not 13."""
    for encoded in set(existing):
        try:
            current = not identify_hasher(encoded).must_update(encoded)
        except ValueError:
            continue
        if current and check_password(settings.DEMO_PASSWORD, encoded):
            return encoded
    return make_password(settings.DEMO_PASSWORD)


def _seed_user(spec: DemoUser, *, positions, users, password_hash) -> User:
    admin = spec.role == roles.ADMINISTRATOR
    user, _ = User.objects.update_or_create(
        username=spec.username,
        defaults={
            "last_name": spec.last_name,
            "first_name": spec.first_name,
            "middle_name": spec.middle_name,
            "email": f"{spec.username}@demo-crm.example",
            "position": positions[spec.position] if spec.position else None,
            "manager": users.get(spec.manager),
            "is_staff": admin,
            "is_superuser": admin,
            "is_active": True,
            "password": password_hash,
        },
    )
    user.groups.set([Group.objects.get_or_create(name=spec.role)[0]])
    if needs_second_factor(spec):
        TOTPDevice.objects.update_or_create(
            user=user,
            name="demo",
            defaults={"key": settings.DEMO_TOTP_SECRET_HEX, "confirmed": True},
        )
    return user


def seed(*, scale: str) -> dict[str, int]:
    """Create or update the org structure and the demo users; safe to run again."""
    positions = _seed_units()
    existing = User.objects.filter(username__in=[s.username for s in USERS])
    password_hash = _demo_password_hash(existing.values_list("password", flat=True))
    users: dict[str, User] = {}
    for spec in USERS:
        users[spec.username] = _seed_user(
            spec, positions=positions, users=users, password_hash=password_hash
        )
    return {"org_units": len(UNITS), "positions": len(POSITIONS), "users": len(USERS)}


def demo_logins() -> list[dict]:
    """What `make run` prints and the smoke test uses: one entry per demo user."""
    return [
        {
            "username": spec.username,
            "password": settings.DEMO_PASSWORD,
            "role": spec.role,
            "totp_secret_hex": settings.DEMO_TOTP_SECRET_HEX if needs_second_factor(spec) else None,
        }
        for spec in USERS
    ]

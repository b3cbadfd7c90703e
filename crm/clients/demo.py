"""Demo data of the clients app: dictionaries, organisations, contacts, bank accounts and
interactions.

Scale "ci" builds about 1,500 organisations from a fixed random seed with the ORM (bulk_create);
scale "full" adds the benchmark volume (300k organisations, 1M contacts, ~380 extra sales
managers) loaded with PostgreSQL COPY, the audit triggers switched off for the load.

Idempotent: organisations are keyed by erp_key ("DEMO-ORG-000001", "BENCH-ORG-000001"...), and
an organisation's contacts, bank accounts and interactions are created only while it has none,
each from a random generator seeded by its key, so a second run creates nothing. The benchmark
rows are loaded all at once or not at all (one transaction).
"""

# ruff: noqa: S311 (demo data: reproducible pseudo-random values, nothing secret)

import csv
import io
import random
from array import array
from collections import defaultdict
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pgtrigger
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.utils import timezone

from crm.accounts import roles
from crm.accounts.demo import SALES_MANAGER
from crm.accounts.demo import USERS as DEMO_USERS
from crm.accounts.models import OrgUnit, OrgUnitKind, Position, User
from crm.clients import requisites
from crm.clients.models import (
    BankAccount,
    Contact,
    CounterpartyType,
    HoldingGroup,
    Interaction,
    Organisation,
    OrganisationKind,
    OrganisationStatus,
)
from crm.refs.models import City, ClientCategory, ClientType, LeadSource, Region, SalesChannel

SEED = 20261101
# occurred_at and created_at are counted back from this moment, so every run builds the same rows.
ANCHOR = datetime(2026, 11, 1, 12, 0, tzinfo=ZoneInfo("Europe/Moscow"))
CI_ORGANISATIONS = 1500
CI_DEALERS = 40
CI_SUB_DEALERS = 60
CI_HOLDINGS = 25
CI_PREFIX = "DEMO-ORG-"
BENCH_PREFIX = "BENCH-ORG-"
BENCH_USER_PREFIX = "bench_mgr_"
# The benchmark volume of scale "full"; tests shrink it.
BENCH_SIZES = {
    "organisations": 300_000,
    "contacts": 1_000_000,
    "interactions": 300_000,
    "bank_accounts": 200_000,
    "users": 380,
}
BATCH = 2000
COPY_CHUNK = 5000

CLIENT_TYPES = [
    ("DEMO-CT-SERVICE", "Автосервис"),
    ("DEMO-CT-RETAIL", "Розничная сеть"),
    ("DEMO-CT-DISTRIB", "Дистрибьютор"),
    ("DEMO-CT-SHOP", "Автомагазин"),
    ("DEMO-CT-INDUSTRY", "Промышленное предприятие"),
    ("DEMO-CT-TRANSPORT", "Транспортная компания"),
]
CATEGORIES = [
    ("DEMO-CAT-A", "A — ключевой клиент"),
    ("DEMO-CAT-B", "B — крупный клиент"),
    ("DEMO-CAT-C", "C — средний клиент"),
    ("DEMO-CAT-D", "D — малый клиент"),
]
CHANNELS = [
    ("DEMO-CH-DIRECT", "Прямые продажи"),
    ("DEMO-CH-DEALER", "Через дилера"),
    ("DEMO-CH-ONLINE", "Интернет-магазин"),
    ("DEMO-CH-TENDER", "Тендер"),
]
LEAD_SOURCES = [
    ("DEMO-LS-EXPO", "Выставка"),
    ("DEMO-LS-SITE", "Сайт"),
    ("DEMO-LS-REFERRAL", "Рекомендация"),
    ("DEMO-LS-COLD", "Холодный звонок"),
    ("DEMO-LS-DEALER", "Дилер"),
]
DICTIONARIES = [
    (ClientType, CLIENT_TYPES, (25, 15, 8, 25, 15, 12)),
    (ClientCategory, CATEGORIES, (8, 20, 37, 35)),
    (SalesChannel, CHANNELS, (45, 30, 15, 10)),
    (LeadSource, LEAD_SOURCES, (15, 25, 25, 20, 15)),
]


# --- Vocabulary -----------------------------------------------------------------------------


def _words(text: str, sep: str | None = None) -> list[str]:
    """The words of a text block (a compact way to write long word lists)."""
    return [word.strip() for word in text.split(sep) if word.strip()]


def _female_surname(male: str) -> tuple[str, str]:
    """(male, female) forms of a surname."""
    if male.endswith("ий"):
        return male, male[:-2] + "ая"
    if male.endswith(("ов", "ев", "ёв", "ин")):
        return male, male + "а"
    return male, male


COMMON_WORDS = _words(
    """
Авто Техно Сервис Масла Трейд Логистик Пром Снаб Транс Ойл Смазка Маркет
"""
)
ROOTS = _words(
    """
Вектор Альянс Меридиан Гранит Северянка Орион Кедр Ладога Волга Урал Байкал Феникс
Интеграл Стандарт Сфера Прогресс Импульс Эталон Форвард Магистраль Азимут Горизонт Дельта
Квант Легион Монолит Навигатор Олимп Пламя Рубеж Сигма Титан Уником Фаворит Центурион
Элион Юпитер Янтарь Аргон Бастион Витязь Гелиос Держава Енисей Жемчуг Зенит Исток Кристалл
Лидер Мегаполис Нептун Омега Парус Ресурс Синтез Тайга Умка Факел Хронос Циклон Чайка
Штурман Эверест Ярило Алмаз Берёзка Вираж Гарант Двигатель Ермак Звезда Иртыш Камея Лотос
Мотор Надежда Обь Пилот Радуга Сокол Терем Успех Фортуна Хорс Цитадель Черёмуха Шанс
Экватор Ястреб Амур Бриз Восход Гефест Динамо Ирбис Колос Луч Маяк Ника Оникс
"""
)
QUALIFIERS = ["", "", "", "", "Плюс", "-М", "-Юг", "-Север", "-Центр", "Групп", " НН", "-Регион"]
FORMS = [("ООО", "Общество с ограниченной ответственностью", 80)]
FORMS += [("АО", "Акционерное общество", 15), ("ПАО", "Публичное акционерное общество", 5)]
HOLDING_WORDS = ["Группа компаний", "Холдинг", "ГК"]

MALE_FIRST = _words(
    """
Александр Алексей Андрей Антон Артём Борис Вадим Валерий Василий Виктор Владимир Вячеслав
Геннадий Георгий Денис Дмитрий Евгений Егор Иван Игорь Илья Кирилл Константин Максим
Михаил Николай Олег Павел Роман Сергей Станислав Юрий
"""
)
FEMALE_FIRST = _words(
    """
Александра Алина Анастасия Анна Валентина Валерия Вера Галина Дарья Евгения Екатерина
Елена Ирина Кристина Ксения Лариса Любовь Людмила Марина Мария Надежда Наталья Нина Оксана
Ольга Полина Светлана Татьяна Юлия
"""
)
# Fathers' names: (male patronymic, female patronymic).
PATRONYMICS = [
    tuple(pair.split("/"))
    for pair in _words(
        """
Александрович/Александровна Алексеевич/Алексеевна Андреевич/Андреевна Борисович/Борисовна
Васильевич/Васильевна Викторович/Викторовна Владимирович/Владимировна
Геннадьевич/Геннадьевна Дмитриевич/Дмитриевна Евгеньевич/Евгеньевна Иванович/Ивановна
Игоревич/Игоревна Ильич/Ильинична Константинович/Константиновна Михайлович/Михайловна
Николаевич/Николаевна Олегович/Олеговна Павлович/Павловна Петрович/Петровна
Романович/Романовна Сергеевич/Сергеевна Юрьевич/Юрьевна
"""
    )
]
# Surnames: male forms; the female form is derived (-ов → -ова, -ский → -ская).
SURNAMES = [
    _female_surname(m)
    for m in _words(
        """
Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов
Волков Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев
Макаров Никитин Захаров Зайцев Соловьёв Борисов Яковлев Григорьев Романов Воробьёв Сергеев
Кузьмин Фролов Александров Дмитриев Королёв Гусев Киселёв Ильин Максимов Поляков Сорокин
Виноградов Ковалёв Белов Медведев Антонов Тарасов Жуков Баранов Филиппов Комаров Давыдов
Беляев Герасимов Богданов Осипов Сидоров Матвеев Титов Марков Миронов Крылов Куликов
Карпов Власов Мельников Денисов Ковальский Новицкий Збруевский Покровский Вишневский
Белинский Кравец Шевчук Бондаренко Ткаченко Мороз Коваль
"""
    )
]
JOB_TITLES = [
    ("Генеральный директор", 8),
    ("Директор", 10),
    ("Коммерческий директор", 6),
    ("Главный инженер", 8),
    ("Главный механик", 6),
    ("Менеджер по закупкам", 20),
    ("Начальник отдела снабжения", 10),
    ("Главный бухгалтер", 8),
    ("Бухгалтер", 10),
    ("Заведующий складом", 6),
    ("Мастер-приёмщик", 8),
]
STREETS = _words(
    (
        "ул. Ленина|ул. Советская|ул. Мира|ул. Гагарина|ул. Садовая|ул. Заводская|"
        "ул. Промышленная|ул. Молодёжная|ул. Центральная|ул. Строителей|ул. Лесная|пр-т Победы|"
        "пр-т Ленина|ш. Энтузиастов|ул. Набережная|ул. Транспортная|ул. Кирова|ул. Пушкина|"
        "ул. Октябрьская|ул. Полевая|Складской пр.|ул. Индустриальная|ул. Автомобилистов|"
        "ул. Нефтяников"
    ),
    "|",
)
# Plausible landline area codes (without the +7); a region not listed gets mobile numbers.
AREA_CODES = {
    "77": ["495", "499"],
    "50": ["495", "496", "498"],
    "78": ["812"],
    "47": ["813"],
    "54": ["383"],
    "42": ["3842"],
    "22": ["3852"],
    "24": ["391"],
    "19": ["3902"],
    "38": ["3952"],
    "36": ["473"],
    "31": ["4722"],
    "46": ["4712"],
    "48": ["4742"],
    "68": ["4752"],
    "10": ["8142"],
    "11": ["8212"],
    "29": ["8182"],
    "35": ["8172"],
    "51": ["8152"],
    "16": ["843"],
    "66": ["343"],
    "52": ["831"],
    "63": ["846"],
    "61": ["863"],
    "23": ["861"],
    "02": ["347"],
    "74": ["351"],
    "59": ["342"],
    "34": ["8442"],
    "25": ["423"],
    "55": ["3812"],
    "72": ["3452"],
    "76": ["4852"],
    "71": ["4872"],
    "40": ["4842"],
    "33": ["4922"],
    "69": ["4822"],
    "62": ["4912"],
    "64": ["8452"],
    "73": ["8422"],
    "56": ["3532"],
    "18": ["3412"],
    "21": ["8352"],
    "70": ["3822"],
    "27": ["4212"],
    "39": ["4012"],
}
MOBILE_CODES = ["900", "903", "905", "909", "915", "916", "921", "925", "926", "977", "985", "999"]
POSTCODE_PREFIX = {"77": "12", "50": "14", "78": "19", "47": "18"}
# BIK, bank, correspondent account.
BANKS = [
    ("044525225", "ПАО Сбербанк", "30101810400000000225"),
    ("044525593", "АО «Альфа-Банк»", "30101810200000000593"),
    ("044525187", "Банк ВТБ (ПАО)", "30101810700000000187"),
]
BANK_SPB = ("044030653", "Северо-Западный банк ПАО Сбербанк", "30101810500000000653")

CALL_SUBJECTS = [
    "Уточнение заказа на моторные масла",
    "Звонок по поводу отгрузки",
    "Обсуждение условий оплаты",
    "Запрос прайс-листа на трансмиссионные масла",
    "Претензия по срокам доставки",
    "Согласование объёма поставки на квартал",
    "Вопрос по допускам масла для спецтехники",
]
EMAIL_SUBJECTS = [
    "Коммерческое предложение на смазочные материалы",
    "Счёт на оплату",
    "Акт сверки взаиморасчётов",
    "Сертификаты соответствия на продукцию",
    "Новый прайс-лист",
    "Условия дилерской программы",
]
MEETING_SUBJECTS = [
    "Встреча с закупщиком на складе клиента",
    "Презентация новой линейки гидравлических масел",
    "Переговоры о годовом контракте",
    "Обучение персонала автосервиса",
    "Визит на производственную площадку",
]
NOTE_SUBJECTS = [
    "Клиент сменил поставщика фильтров",
    "Планируют открыть второй сервис",
    "Изменились реквизиты для счетов",
    "Новый контакт в отделе закупок",
    "Интерес к антифризам на зимний сезон",
]
SUBJECTS = {"call": CALL_SUBJECTS, "email": EMAIL_SUBJECTS}
SUBJECTS |= {"meeting": MEETING_SUBJECTS, "note": NOTE_SUBJECTS}
BODIES = [
    "Клиент подтвердил интерес, ждёт расчёт по цене с учётом объёма.",
    "Обсудили график поставок, просят отгружать два раза в месяц.",
    "Нужны образцы и паспорта качества до конца недели.",
    "Бюджет на следующий квартал согласован, решение за директором.",
    "Конкурент предложил скидку 7 %, клиент просит встречное предложение.",
    "Договорились о пробной партии, оплата по факту поставки.",
    "Клиент доволен качеством, готов расширить ассортимент.",
    "Вопрос с задолженностью решён, оплата поступит на этой неделе.",
]
NEXT_STEPS = [
    "Перезвонить и уточнить объём",
    "Отправить коммерческое предложение",
    "Выставить счёт",
    "Согласовать дату встречи",
    "Отправить образцы продукции",
    "Подготовить договор поставки",
    "Напомнить об оплате",
    "Уточнить контакт в отделе закупок",
]
KINDS = [("call", 40), ("email", 30), ("meeting", 15), ("note", 15)]

# The planted organisation the tests and the browser test look for.
PLANTED_KEY = CI_PREFIX + "000001"
PLANTED_NAME = "Ромашка-Авто"
PLANTED_PHONE = "+74951234567"
PLANTED_CONTACT = ("Иванова", "Мария", "Петровна")
# Next steps of the user "manager", days from today: three today, three overdue, five upcoming.
AGENDA = [
    (0, "Перезвонить по поводу пробной партии"),
    (0, "Отправить счёт на масла для спецтехники"),
    (0, "Подтвердить дату отгрузки"),
    (-1, "Напомнить об оплате счёта"),
    (-3, "Отправить акт сверки"),
    (-6, "Согласовать договор поставки"),
    (1, "Провести презентацию новой линейки"),
    (2, "Уточнить потребность на квартал"),
    (4, "Отправить образцы антифриза"),
    (7, "Встреча с главным механиком"),
    (12, "Согласовать годовой контракт"),
]
AGENDA_SUBJECT = "План работы: "

TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        [
            "a", "b", "v", "g", "d", "e", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o", "p",
            "r", "s", "t", "u", "f", "kh", "ts", "ch", "sh", "sch", "", "y", "", "e", "yu", "ya",
        ],
        strict=True,
    )
)  # fmt: skip


def translit(text: str) -> str:
    """Latin letters for a Russian word, for e-mail addresses and domains."""
    return "".join(
        TRANSLIT.get(ch, ch if ch.isascii() and ch.isalnum() else "") for ch in text.lower()
    )


def _weighted(pairs):
    """Values and cumulative weights for rng.choices."""
    values = [p[0] for p in pairs]
    weights = [p[1] for p in pairs]
    return values, weights


# --- Dictionaries and geography -------------------------------------------------------------


def seed_dictionaries() -> dict[str, list[int]]:
    """Create the client dictionaries keyed by external code; the ids in list order."""
    ids = {}
    for model, values, _weights in DICTIONARIES:
        ids[model.__name__] = []
        for code, name in values:
            row, _ = model.objects.update_or_create(
                external_code=code, defaults={"name": name, "is_active": True}
            )
            ids[model.__name__].append(row.pk)
    return ids


class Territory:
    """The geography the generators draw from: regions with weights, their cities, the org
    unit covering each region, and a grouping into macro-regions for dealer networks."""

    def __init__(self):
        regions = list(Region.objects.select_related("district").order_by("code"))
        self.by_id = {r.pk: r for r in regions}
        self.cities = defaultdict(list)
        for city in City.objects.filter(is_active=True).order_by("region_id", "id"):
            self.cities[city.region_id].append(city.name)
        self.unit_of = {}
        self.macro_of = {}
        units = OrgUnit.objects.filter(kind=OrgUnitKind.REGION, is_active=True).order_by("id")
        for unit in units.prefetch_related("regions"):
            for region in unit.regions.all():
                self.unit_of.setdefault(region.pk, unit)
                self.macro_of.setdefault(region.pk, f"unit:{unit.parent_id}")
        for region in regions:
            self.macro_of.setdefault(region.pk, f"district:{region.district_id}")
        fixed = {"77": 12.0, "50": 8.0, "78": 6.0, "47": 2.0}
        rest = [r for r in regions if r.code not in fixed]
        raw = {
            r.pk: (3 if r.pk in self.unit_of else 1) * len(self.cities[r.pk] or [1]) for r in rest
        }
        total = sum(raw.values()) or 1
        self.weights = {}
        for region in regions:
            if region.code in fixed:
                self.weights[region.pk] = fixed[region.code]
            else:
                self.weights[region.pk] = 72.0 * raw[region.pk] / total
        self.region_ids = [r.pk for r in regions]
        self.cum_weights = []
        acc = 0.0
        for pk in self.region_ids:
            acc += self.weights[pk]
            self.cum_weights.append(acc)
        self.macro_regions = defaultdict(list)
        for pk in self.region_ids:
            self.macro_regions[self.macro_of[pk]].append(pk)
        self.id_of_code = {r.code: r.pk for r in regions}

    def pick_region(self, rng: random.Random) -> int:
        return rng.choices(self.region_ids, cum_weights=self.cum_weights)[0]

    def code(self, region_id: int) -> str:
        return self.by_id[region_id].code

    def address(self, rng: random.Random, region_id: int) -> str:
        region = self.by_id[region_id]
        city = rng.choice(self.cities[region_id] or [region.name])
        prefix = POSTCODE_PREFIX.get(region.code) or str(rng.randrange(3, 7))
        postcode = prefix + "".join(str(rng.randrange(10)) for _i in range(6 - len(prefix)))
        parts = [postcode]
        if city != region.name:
            parts.append(region.name)
        parts += [f"г. {city}", rng.choice(STREETS), f"д. {rng.randrange(1, 150)}"]
        if rng.random() < 0.5:
            parts.append(f"оф. {rng.randrange(1, 400)}")
        return ", ".join(parts)

    def phone(self, rng: random.Random, region_id: int) -> str:
        codes = AREA_CODES.get(self.code(region_id))
        if codes and rng.random() < 0.85:
            area = rng.choice(codes)
            number = f"{rng.randrange(2 * 10 ** (9 - len(area)), 10 ** (10 - len(area)))}"
            phone = f"+7{area}{number}"
            return phone if phone != PLANTED_PHONE else "+74951234568"
        return mobile(rng)


def mobile(rng: random.Random) -> str:
    return f"+7{rng.choice(MOBILE_CODES)}{rng.randrange(10**7):07d}"


def person(rng: random.Random) -> tuple[str, str, str]:
    """(last, first, middle) name of a man or a woman."""
    female = rng.random() < 0.45
    surname = rng.choice(SURNAMES)[1 if female else 0]
    first = rng.choice(FEMALE_FIRST if female else MALE_FIRST)
    middle = rng.choice(PATRONYMICS)[1 if female else 0]
    return surname, first, middle


def company_word(rng: random.Random) -> str:
    """A company name: ~30 % built from common words, the rest from rarer roots."""
    if rng.random() < 0.3:
        first, second = rng.sample(COMMON_WORDS, 2)
        return rng.choice([f"{first}{second.lower()}", f"{first}-{second}", f"{first} {second}"])
    return rng.choice(ROOTS) + rng.choice(QUALIFIERS)


def domain_for(rng: random.Random, word: str) -> str:
    base = translit(word) or "company"
    number = rng.choice(["", "", str(rng.randrange(1, 99))])
    return f"{base}{number}{rng.choice(['.ru', '.ru', '.com'])}"


# --- Owners ---------------------------------------------------------------------------------


class Owners:
    """Who owns organisations in a region: the sales users of the org unit covering it (the
    Moscow office's manager, manager2, manager3), its regional manager, else head of sales."""

    def __init__(self, territory: Territory, usernames):
        users = User.objects.filter(username__in=usernames, is_active=True).select_related(
            "position__org_unit"
        )
        self.head = (
            User.objects.filter(username="head").first()
            or User.objects.filter(groups__name=roles.HEAD_OF_SALES).order_by("id").first()
        )
        self.pools: dict[int, tuple[list[int], list[float]]] = {}
        units = {unit.pk: unit for unit in territory.unit_of.values()}
        by_unit = defaultdict(list)
        for user in users.order_by("username"):
            if not user.position_id:
                continue
            unit = user.position.org_unit
            top = unit.pk if unit.pk in units else unit.parent_id
            if top in units:
                by_unit[top].append(user)
        preferred = {"manager": 45, "manager2": 25, "manager3": 20}
        for unit_id, members in by_unit.items():
            sales = [u for u in members if not u.position.is_head]
            heads = [u for u in members if u.position.is_head]
            ids = [u.pk for u in sales] + [u.pk for u in heads]
            weights = [float(preferred.get(u.username, 10)) for u in sales]
            weights += [10.0 if sales else 100.0] * len(heads)
            if ids:
                self.pools[unit_id] = (ids, weights)

    def pick(self, rng: random.Random, unit) -> int | None:
        pool = self.pools.get(unit.pk) if unit else None
        if pool:
            return rng.choices(pool[0], weights=pool[1])[0]
        return self.head.pk if self.head else None


# --- CI scale -------------------------------------------------------------------------------


def _org_spec(rng, index, *, territory, owners, dicts, region_id, kind, erp_key) -> dict:
    """The fields of one organisation (without parent dealer and holding)."""
    code = territory.code(region_id)
    unit = territory.unit_of.get(region_id)
    entrepreneur = kind == OrganisationKind.CLIENT and rng.random() < 0.2
    if entrepreneur:
        last, first, middle = person(rng)
        name = f"ИП {last} {first[0]}. {middle[0]}."
        legal_name = f"Индивидуальный предприниматель {last} {first} {middle}"
        inn = requisites.make_inn_person(rng, code)
        kpp = ""
        ogrn = requisites.make_ogrnip(rng, code)
        word = last
    else:
        word = company_word(rng)
        short, long, _weight = rng.choices(FORMS, weights=[f[2] for f in FORMS])[0]
        name = f"{short} «{word}»"
        legal_name = f"{long} «{word}»"
        inn = requisites.make_inn_legal(rng, code)
        kpp = requisites.make_kpp(inn)
        ogrn = requisites.make_ogrn(rng, code)
    legal_address = territory.address(rng, region_id)
    actual_address = legal_address if rng.random() < 0.6 else territory.address(rng, region_id)
    domain = domain_for(rng, word)
    created = ANCHOR - timedelta(days=rng.randrange(30, 1200), minutes=rng.randrange(600))
    status = rng.choices(
        [OrganisationStatus.POTENTIAL, OrganisationStatus.ACTIVE, OrganisationStatus.CHURNED],
        weights=[25, 65, 10],
    )[0]
    if kind != OrganisationKind.CLIENT:
        status = OrganisationStatus.ACTIVE
    fields = {
        "kind": kind,
        "name": name,
        "legal_name": legal_name,
        "status": status,
        "counterparty_type": (
            CounterpartyType.ENTREPRENEUR if entrepreneur else CounterpartyType.LEGAL_ENTITY
        ),
        "region_id": region_id,
        "org_unit_id": unit.pk if unit else None,
        "owner_id": owners.pick(rng, unit),
        "inn": inn,
        "kpp": kpp,
        "ogrn": ogrn,
        "legal_address": legal_address,
        "actual_address": actual_address,
        "phone": territory.phone(rng, region_id),
        "phone_ext": str(rng.randrange(100, 999)) if rng.random() < 0.15 else "",
        "email": f"{rng.choice(['info', 'office', 'zakaz', 'sales', 'mail'])}@{domain}",
        "website": f"https://{domain}" if rng.random() < 0.4 else "",
        "erp_key": erp_key,
        "created_at": created,
        "updated_at": created + timedelta(days=rng.randrange(0, 25)),
    }
    for model, _values, weights in DICTIONARIES:
        field = {
            "ClientType": "client_type_id",
            "ClientCategory": "category_id",
            "SalesChannel": "sales_channel_id",
            "LeadSource": "lead_source_id",
        }[model.__name__]
        fields[field] = rng.choices(dicts[model.__name__], weights=weights)[0]
    if kind == OrganisationKind.DEALER:
        fields["client_type_id"] = dicts["ClientType"][2]  # Дистрибьютор
        fields["sales_channel_id"] = dicts["SalesChannel"][0]
    elif kind == OrganisationKind.SUB_DEALER:
        fields["sales_channel_id"] = dicts["SalesChannel"][1]
    return fields


def _ci_plan(territory: Territory, owners: Owners, dicts) -> list[dict]:
    """Every ci organisation as field dicts, with 'parent_key' and 'holding' placeholders."""
    rng = random.Random(SEED)
    count = CI_ORGANISATIONS
    moscow = territory.id_of_code.get("77")
    regions = [territory.pick_region(rng) for _i in range(count)]
    kinds = [OrganisationKind.CLIENT] * count
    indexes = list(range(1, count))
    rng.shuffle(indexes)
    dealers = indexes[:CI_DEALERS]
    sub_dealers = indexes[CI_DEALERS : CI_DEALERS + CI_SUB_DEALERS]
    holding_members = indexes[CI_DEALERS + CI_SUB_DEALERS :][: CI_HOLDINGS * 3]
    parent = {}
    for i in dealers:
        kinds[i] = OrganisationKind.DEALER
    dealers_by_macro = defaultdict(list)
    for i in dealers:
        dealers_by_macro[territory.macro_of[regions[i]]].append(i)
    macros = sorted(dealers_by_macro)
    for i in sub_dealers:
        kinds[i] = OrganisationKind.SUB_DEALER
        macro = territory.macro_of[regions[i]]
        if macro not in dealers_by_macro:
            macro = rng.choice(macros)
            regions[i] = rng.choice(territory.macro_regions[macro])
        parent[i] = rng.choice(dealers_by_macro[macro])
    if moscow:
        regions[0] = moscow
    specs = []
    for i in range(count):
        key = f"{CI_PREFIX}{i + 1:06d}"
        spec = _org_spec(
            rng,
            i,
            territory=territory,
            owners=owners,
            dicts=dicts,
            region_id=regions[i],
            kind=kinds[i],
            erp_key=key,
        )
        spec["parent_key"] = f"{CI_PREFIX}{parent[i] + 1:06d}" if i in parent else None
        spec["holding"] = None
        specs.append(spec)
    for n, i in enumerate(holding_members):
        group = n // 3
        specs[i]["holding"] = group
    planted = specs[0]
    manager = User.objects.filter(username="manager").first()
    planted.update(
        kind=OrganisationKind.CLIENT,
        name=PLANTED_NAME,
        legal_name=f"Общество с ограниченной ответственностью «{PLANTED_NAME}»",
        counterparty_type=CounterpartyType.LEGAL_ENTITY,
        status=OrganisationStatus.ACTIVE,
        phone=PLANTED_PHONE,
        phone_ext="",
        email="info@romashka-avto.ru",
        website="https://romashka-avto.ru",
        owner_id=manager.pk if manager else planted["owner_id"],
    )
    if not planted["kpp"]:
        planted["inn"] = requisites.make_inn_legal(rng, "77")
        planted["kpp"] = requisites.make_kpp(planted["inn"])
        planted["ogrn"] = requisites.make_ogrn(rng, "77")
    return specs


def _holding_names() -> list[str]:
    rng = random.Random(f"{SEED}:holdings")
    names = []
    roots = rng.sample(ROOTS, CI_HOLDINGS)
    for root in roots:
        names.append(f"{rng.choice(HOLDING_WORDS)} «{root}»")
    return names


def _create_organisations(specs: list[dict]) -> dict[str, int]:
    """bulk_create the organisations whose erp_key is missing; every ci key's id."""
    keys = [s["erp_key"] for s in specs]
    ids = dict(Organisation.objects.filter(erp_key__in=keys).values_list("erp_key", "id"))
    holdings = {}
    for n, name in enumerate(_holding_names()):
        holdings[n] = HoldingGroup.objects.get_or_create(name=name)[0].pk
    # Dealers and clients first, then sub-dealers that point at them.
    for wave in (False, True):
        new = []
        for spec in specs:
            if spec["erp_key"] in ids or (spec["parent_key"] is not None) != wave:
                continue
            fields = {k: v for k, v in spec.items() if k not in ("parent_key", "holding")}
            fields["parent_dealer_id"] = ids.get(spec["parent_key"]) if wave else None
            fields["holding_id"] = holdings.get(spec["holding"])
            new.append(Organisation(**fields))
        for row in Organisation.objects.bulk_create(new, batch_size=BATCH):
            ids[row.erp_key] = row.pk
    return ids


def _contact_rows(rng, org_id, spec) -> list[Contact]:
    domain = spec["email"].split("@", 1)[1]
    count = rng.choice([1, 2, 2, 2, 3])
    rows = []
    for n in range(count):
        last, first, middle = person(rng)
        consent = rng.random() < 0.6
        created = spec["created_at"] + timedelta(days=rng.randrange(0, 20))
        rows.append(
            Contact(
                organisation_id=org_id,
                last_name=last,
                first_name=first,
                middle_name=middle,
                job_title=rng.choices(*_weighted(JOB_TITLES))[0],
                phone=spec["phone"] if rng.random() < 0.7 else "",
                phone_ext=str(rng.randrange(100, 1000)) if rng.random() < 0.4 else "",
                mobile=mobile(rng) if rng.random() < 0.8 else "",
                email=f"{translit(first)[0]}.{translit(last)}{n or ''}@{domain}",
                mailing_consent=consent,
                consent_changed_at=created if consent else None,
                created_at=created,
                updated_at=created,
            )
        )
    return rows


def _bank_rows(rng, org_id, spec, spb_region_ids) -> list[BankAccount]:
    if rng.random() >= 0.7:
        return []
    bank = BANK_SPB if spec["region_id"] in spb_region_ids and rng.random() < 0.7 else None
    bik, bank_name, corr = bank or rng.choice(BANKS)
    return [
        BankAccount(
            organisation_id=org_id,
            bik=bik,
            bank_name=bank_name,
            corr_account=corr,
            account=requisites.make_bank_account(rng, bik),
            is_primary=True,
        )
    ]


def _interaction_rows(rng, org_id, spec, contact_ids, today) -> list[Interaction]:
    rows = []
    for _n in range(rng.choice([0, 1, 1, 2, 2, 3])):
        kind = rng.choices(*_weighted(KINDS))[0]
        occurred = ANCHOR - timedelta(days=rng.randrange(0, 120), minutes=rng.randrange(0, 480))
        step, step_date, done = "", None, False
        if rng.random() < 0.35:
            step = rng.choice(NEXT_STEPS)
            step_date = today + timedelta(days=rng.randrange(-14, 22))
            done = step_date < today and rng.random() < 0.5
        rows.append(
            Interaction(
                organisation_id=org_id,
                contact_id=rng.choice(contact_ids) if contact_ids and kind != "note" else None,
                kind=kind,
                direction=rng.choice(["in", "out"]) if kind in ("call", "email") else "",
                occurred_at=occurred,
                subject=rng.choice(SUBJECTS[kind]),
                body=rng.choice(BODIES),
                author_id=spec["owner_id"],
                next_step=step,
                next_step_date=step_date,
                next_step_done=done,
                created_at=occurred,
                updated_at=occurred,
            )
        )
    return rows


def _create_children(specs, ids, territory) -> None:
    """Contacts, bank accounts and interactions of the organisations that have none."""
    org_ids = [ids[s["erp_key"]] for s in specs]
    with_contacts = set(
        Contact.objects.filter(organisation_id__in=org_ids).values_list(
            "organisation_id", flat=True
        )
    )
    with_banks = set(
        BankAccount.objects.filter(organisation_id__in=org_ids).values_list(
            "organisation_id", flat=True
        )
    )
    with_interactions = set(
        Interaction.objects.filter(organisation_id__in=org_ids).values_list(
            "organisation_id", flat=True
        )
    )
    spb = {territory.id_of_code.get("78"), territory.id_of_code.get("47")}
    contacts, banks = [], []
    for spec in specs:
        org_id = ids[spec["erp_key"]]
        if org_id not in with_contacts:
            rng = random.Random(f"{SEED}:{spec['erp_key']}:contacts")
            rows = _contact_rows(rng, org_id, spec)
            if spec["erp_key"] == PLANTED_KEY:
                rows[0].last_name, rows[0].first_name, rows[0].middle_name = PLANTED_CONTACT
                rows[0].job_title = "Менеджер по закупкам"
                rows[0].email = "m.ivanova@romashka-avto.ru"
            contacts += rows
        if org_id not in with_banks:
            banks += _bank_rows(random.Random(f"{SEED}:{spec['erp_key']}:bank"), org_id, spec, spb)
    Contact.objects.bulk_create(contacts, batch_size=BATCH)
    BankAccount.objects.bulk_create(banks, batch_size=BATCH)
    contact_ids = defaultdict(list)
    for org_id, contact_id in (
        Contact.objects.filter(organisation_id__in=org_ids)
        .order_by("id")
        .values_list("organisation_id", "id")
    ):
        contact_ids[org_id].append(contact_id)
    today = timezone.localdate()
    interactions = []
    for spec in specs:
        org_id = ids[spec["erp_key"]]
        if org_id in with_interactions or not spec["owner_id"]:
            continue
        rng = random.Random(f"{SEED}:{spec['erp_key']}:interactions")
        interactions += _interaction_rows(rng, org_id, spec, contact_ids[org_id], today)
    Interaction.objects.bulk_create(interactions, batch_size=BATCH)


def _seed_agenda(specs, ids) -> None:
    """The user "manager"'s planted next steps: due today, overdue and upcoming, counted from
    today. Created once per step (keyed by organisation, author and subject); on a later day a
    pending step is moved back to its place relative to today."""
    manager = User.objects.filter(username="manager").first()
    if not manager:
        return
    owned = [ids[s["erp_key"]] for s in specs if s["owner_id"] == manager.pk][: len(AGENDA)]
    if not owned:
        return
    today = timezone.localdate()
    existing = {
        (i.organisation_id, i.subject): i
        for i in Interaction.objects.filter(
            author=manager, organisation_id__in=owned, subject__startswith=AGENDA_SUBJECT
        )
    }
    new = []
    for n, (offset, step) in enumerate(AGENDA):
        org_id = owned[n % len(owned)]
        subject = AGENDA_SUBJECT + step.lower()
        due = today + timedelta(days=offset)
        current = existing.get((org_id, subject))
        if current is None:
            occurred = timezone.make_aware(
                datetime.combine(today - timedelta(days=3 + n), time(10 + n % 7, 15))
            )
            new.append(
                Interaction(
                    organisation_id=org_id,
                    kind="call",
                    direction="out",
                    occurred_at=occurred,
                    subject=subject,
                    body="Договорились о следующем шаге по телефону.",
                    author=manager,
                    next_step=step,
                    next_step_date=due,
                    created_at=occurred,
                    updated_at=occurred,
                )
            )
        elif not current.next_step_done and current.next_step_date != due:
            Interaction.objects.filter(pk=current.pk).update(next_step_date=due)
    Interaction.objects.bulk_create(new)


def seed_ci() -> dict[str, int]:
    dicts = seed_dictionaries()
    territory = Territory()
    owners = Owners(territory, [u.username for u in DEMO_USERS])
    specs = _ci_plan(territory, owners, dicts)
    ids = _create_organisations(specs)
    _create_children(specs, ids, territory)
    _seed_agenda(specs, ids)
    return {"organisations": len(ids)}


# --- Full scale: benchmark rows via COPY ----------------------------------------------------


class _CopyStream(io.RawIOBase):
    """A file whose read() pulls text chunks from a generator, for COPY ... FROM STDIN."""

    def __init__(self, chunks):
        self._chunks = iter(chunks)
        self._buffer = b""

    def readable(self):
        return True

    def read(self, size=-1):
        while size < 0 or len(self._buffer) < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            self._buffer += chunk.encode()
        if size < 0:
            data, self._buffer = self._buffer, b""
        else:
            data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


NULL = r"\N"


def _csv_chunks(rows):
    """CSV text in chunks of COPY_CHUNK rows; None becomes NULL."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    pending = 0
    for row in rows:
        writer.writerow([NULL if value is None else value for value in row])
        pending += 1
        if pending >= COPY_CHUNK:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
            pending = 0
    if pending:
        yield out.getvalue()


def _copy(table: str, columns: list[str], rows) -> None:
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
    with connection.cursor() as cursor:
        # Any statement through Django's cursor sets pgtrigger.ignore for this transaction;
        # copy_expert goes straight to psycopg2 and would not.
        cursor.execute("SELECT 1")
        cursor.cursor.copy_expert(sql, _CopyStream(_csv_chunks(rows)), size=65536)


def _spread(index: int, total: int, parents: int) -> int:
    """How many of `total` children parent number `index` of `parents` gets (exact in sum)."""
    return (index + 1) * total // parents - index * total // parents


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def _bench_users(count: int, territory: Territory) -> dict[int, list[int]]:
    """The extra sales managers bench_mgr_001...: positions in the demo offices (or the region
    units without one), line manager the unit's regional manager or head. Their ids per unit."""
    units = sorted({u.pk: u for u in territory.unit_of.values()}.values(), key=lambda u: u.pk)
    if not units or not count:
        return {}
    share = defaultdict(float)
    for region_id, weight in territory.weights.items():
        unit = territory.unit_of.get(region_id)
        share[unit.pk if unit else None] += weight
    uncovered = share.pop(None, 0.0)
    weights = [share[u.pk] + uncovered / len(units) for u in units]
    head = User.objects.filter(username="head").first()
    positions, bosses = {}, {}
    for unit in units:
        office = unit.children.filter(kind=OrgUnitKind.OFFICE).order_by("id").first()
        positions[unit.pk] = Position.objects.get_or_create(
            name=SALES_MANAGER, org_unit=office or unit
        )[0]
        boss = (
            User.objects.filter(position__org_unit=unit, position__is_head=True, is_active=True)
            .exclude(username__startswith=BENCH_USER_PREFIX)
            .order_by("id")
            .first()
        )
        bosses[unit.pk] = boss or head
    rng = random.Random(f"{SEED}:bench-users")
    usernames = [f"{BENCH_USER_PREFIX}{n:03d}" for n in range(1, count + 1)]
    existing = set(User.objects.filter(username__in=usernames).values_list("username", flat=True))
    password = make_password(None)
    new = []
    for username in usernames:
        unit = rng.choices(units, weights=weights)[0]
        last, first, middle = person(rng)
        if username in existing:
            continue
        boss = bosses[unit.pk]
        new.append(
            User(
                username=username,
                last_name=last,
                first_name=first,
                middle_name=middle,
                email=f"{username}@demo-crm.example",
                position=positions[unit.pk],
                manager_id=boss.pk if boss else None,
                password=password,
                is_active=True,
            )
        )
    created = User.objects.bulk_create(new, batch_size=BATCH)
    group = Group.objects.get_or_create(name=roles.SALES_MANAGER)[0]
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=u.pk, group_id=group.pk) for u in created],
        batch_size=BATCH,
    )
    pools = defaultdict(list)
    unit_of_position = {p.pk: unit_id for unit_id, p in positions.items()}
    for pk, position_id in (
        User.objects.filter(username__in=usernames)
        .order_by("username")
        .values_list("id", "position_id")
    ):
        if position_id in unit_of_position:
            pools[unit_of_position[position_id]].append(pk)
    return pools


BENCH_TRIGGERS = [
    f"clients.{model}:insert_insert"
    for model in ("Organisation", "Contact", "BankAccount", "Interaction")
] + ["accounts.User:insert_insert", "accounts.User_groups:add_insert"]

ORG_COLUMNS = _words(
    """
version created_at updated_at kind name legal_name status counterparty_type
parent_dealer_id holding_id client_type_id category_id sales_channel_id lead_source_id
region_id org_unit_id owner_id inn kpp ogrn legal_address actual_address phone phone_ext
email website erp_key notes is_archived
"""
)
CONTACT_COLUMNS = _words(
    """
version created_at updated_at organisation_id last_name first_name middle_name job_title
phone phone_ext mobile email email_secondary mailing_consent consent_changed_at notes
is_archived
"""
)
BANK_COLUMNS = _words(
    """
version created_at updated_at organisation_id bik bank_name corr_account account is_primary
"""
)
INTERACTION_COLUMNS = _words(
    """
version created_at updated_at organisation_id contact_id kind direction occurred_at
subject body author_id next_step next_step_date next_step_done
"""
)


def load_bench_rows(
    *,
    organisations: int,
    contacts: int,
    interactions: int,
    bank_accounts: int,
    users: int,
) -> dict[str, int]:
    """COPY the benchmark organisations and their children; nothing if they are loaded."""
    existing = Organisation.objects.filter(erp_key__startswith=BENCH_PREFIX).count()
    if existing:
        return {"bench_organisations": existing}
    dicts = seed_dictionaries()
    territory = Territory()
    with transaction.atomic(), pgtrigger.ignore(*BENCH_TRIGGERS):
        pools = _bench_users(users, territory)
        all_bench = [pk for pool in pools.values() for pk in pool]
        owners = Owners(territory, [u.username for u in DEMO_USERS])
        dealers_by_macro = defaultdict(list)
        for org_id, region_id in Organisation.objects.filter(
            kind=OrganisationKind.DEALER, erp_key__startswith=CI_PREFIX
        ).values_list("id", "region_id"):
            dealers_by_macro[territory.macro_of.get(region_id)].append(org_id)
        holdings = list(HoldingGroup.objects.order_by("id").values_list("id", flat=True))
        # Per organisation, what its children need: owner, phone, e-mail domain, created.
        owner_of = array("q")
        phone_of = []
        domain_of = []
        created_of = []
        rng = random.Random(f"{SEED}:bench")
        today = timezone.localdate()

        def organisation_rows():
            for i in range(organisations):
                region_id = territory.pick_region(rng)
                unit = territory.unit_of.get(region_id)
                roll = rng.random()
                kind = OrganisationKind.CLIENT
                macro_dealers = dealers_by_macro.get(territory.macro_of[region_id])
                if roll < 0.01:
                    kind = OrganisationKind.DEALER
                elif roll < 0.02 and macro_dealers:
                    kind = OrganisationKind.SUB_DEALER
                spec = _org_spec(
                    rng,
                    i,
                    territory=territory,
                    owners=owners,
                    dicts=dicts,
                    region_id=region_id,
                    kind=kind,
                    erp_key=f"{BENCH_PREFIX}{i + 1:06d}",
                )
                pool = pools.get(unit.pk) if unit else all_bench
                if pool:
                    spec["owner_id"] = rng.choice(pool)
                owner_of.append(spec["owner_id"] or 0)
                phone_of.append(spec["phone"])
                domain_of.append(spec["email"].split("@", 1)[1])
                created_of.append(spec["created_at"])
                spec["parent_dealer_id"] = (
                    rng.choice(macro_dealers) if kind == OrganisationKind.SUB_DEALER else None
                )
                spec["holding_id"] = (
                    rng.choice(holdings) if holdings and rng.random() < 0.05 else None
                )
                spec["version"] = 1
                spec["notes"] = ""
                spec["is_archived"] = "f"
                spec["created_at"] = _iso(spec["created_at"])
                spec["updated_at"] = _iso(spec["updated_at"])
                yield [spec[c] for c in ORG_COLUMNS]

        _copy("clients_organisation", ORG_COLUMNS, organisation_rows())
        org_ids = array(
            "q",
            Organisation.objects.filter(erp_key__startswith=BENCH_PREFIX)
            .order_by("erp_key")
            .values_list("id", flat=True)
            .iterator(chunk_size=20000),
        )

        def contact_rows():
            titles, title_weights = _weighted(JOB_TITLES)
            for i in range(organisations):
                domain = domain_of[i]
                created = created_of[i]
                for n in range(_spread(i, contacts, organisations)):
                    last, first, middle = person(rng)
                    consent = rng.random() < 0.6
                    stamp = _iso(created + timedelta(days=rng.randrange(0, 20)))
                    yield [
                        1,
                        stamp,
                        stamp,
                        org_ids[i],
                        last,
                        first,
                        middle,
                        rng.choices(titles, weights=title_weights)[0],
                        phone_of[i] if rng.random() < 0.7 else "",
                        str(rng.randrange(100, 1000)) if rng.random() < 0.4 else "",
                        mobile(rng) if rng.random() < 0.8 else "",
                        f"{translit(first)[0]}.{translit(last)}{n or ''}@{domain}",
                        "",
                        "t" if consent else "f",
                        stamp if consent else None,
                        "",
                        "f",
                    ]

        _copy("clients_contact", CONTACT_COLUMNS, contact_rows())
        del domain_of[:]
        first_contact = org_ids[0] if organisations else 0
        contact_ids = array(
            "q",
            Contact.objects.filter(
                organisation_id__gte=first_contact, organisation__erp_key__startswith=BENCH_PREFIX
            )
            .order_by("id")
            .values_list("id", flat=True)
            .iterator(chunk_size=50000),
        )

        def bank_rows():
            for i in range(organisations):
                for _n in range(_spread(i, bank_accounts, organisations)):
                    bik, bank_name, corr = rng.choice(BANKS)
                    account = requisites.make_bank_account(rng, bik)
                    stamp = _iso(created_of[i])
                    yield [1, stamp, stamp, org_ids[i], bik, bank_name, corr, account, "t"]

        _copy("clients_bankaccount", BANK_COLUMNS, bank_rows())

        def interaction_rows():
            kinds, kind_weights = _weighted(KINDS)
            for i in range(organisations):
                start = i * contacts // organisations
                own = _spread(i, contacts, organisations)
                for _n in range(_spread(i, interactions, organisations)):
                    kind = rng.choices(kinds, weights=kind_weights)[0]
                    occurred = _iso(
                        ANCHOR - timedelta(days=rng.randrange(0, 120), minutes=rng.randrange(480))
                    )
                    step, step_date, done = "", None, "f"
                    if rng.random() < 0.35:
                        step = rng.choice(NEXT_STEPS)
                        due = today + timedelta(days=rng.randrange(-14, 22))
                        step_date = due.isoformat()
                        done = "t" if due < today and rng.random() < 0.5 else "f"
                    contact = None
                    if own and kind != "note":
                        contact = contact_ids[start + rng.randrange(own)]
                    yield [
                        1,
                        occurred,
                        occurred,
                        org_ids[i],
                        contact,
                        kind,
                        rng.choice(["in", "out"]) if kind in ("call", "email") else "",
                        occurred,
                        rng.choice(SUBJECTS[kind]),
                        rng.choice(BODIES),
                        owner_of[i],
                        step,
                        step_date,
                        done,
                    ]

        _copy("clients_interaction", INTERACTION_COLUMNS, interaction_rows())
        with connection.cursor() as cursor:
            for table in (
                "clients_organisation",
                "clients_contact",
                "clients_bankaccount",
                "clients_interaction",
            ):
                cursor.execute(f"ANALYZE {table}")
    return {
        "bench_users": sum(len(p) for p in pools.values()),
        "bench_organisations": organisations,
        "bench_contacts": contacts,
        "bench_interactions": interactions,
        "bench_bank_accounts": bank_accounts,
    }


def seed(*, scale: str) -> dict[str, int]:
    """Create the clients demo data; scale "full" adds the benchmark volume."""
    counts = seed_ci()
    if scale == "full":
        counts |= load_bench_rows(**BENCH_SIZES)
    counts["contacts"] = Contact.objects.count()
    counts["interactions"] = Interaction.objects.count()
    return counts

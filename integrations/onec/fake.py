"""A fake 1C standard OData server on 127.0.0.1 speaking the real wire format (JSON, OData v3).

For tests and for a demo without a 1C base::

    with FakeOneC() as fake:
        client = ODataClient(fake.url, fake.username, fake.password)
        client.get("Catalog_Контрагенты", filter="ИНН eq '7816588132'")
        fake.requests[-1].query  # the raw query string, as sent: "$format=json&$filter=..."

It serves ``<url>/$metadata`` (EDMX generated from ``entity_sets``), ``<url>/<Set>`` and
``<url>/<Set>(guid'…')`` with ``$format $select $filter $orderby $top $skip $inlinecount``, behind
HTTP Basic auth in UTF-8 (401 with an HTML body, as a web server sends it). Read-only: GET only.

Where it differs from 1C, on purpose:

* without ``$format=json`` a data request gets 406 (1C would answer Atom XML, which the client
  could not read anyway), so a forgotten ``$format`` fails loudly;
* the query is decoded without turning ``+`` into a space (whether 1C does is unverified), so a
  client that writes spaces as ``+`` gets a 400 on its ``$filter``;
* ``$filter`` is a subset: ``<Property> eq|ne|gt|ge|lt|le <literal>`` joined by ``and``, with
  literals 'text', guid'…', datetime'…', true/false and numbers, checked against the property's
  EDM type; anything else (``or``, ``not``, parentheses, functions) is a 400;
* ``$orderby`` compares values as they are stored (Ref_Key as a string); 1C orders references
  its own way, so a client may rely on a stable order but not on which one;
* the 1C error texts are made up, in 1C's style.

Switches: ``fail_next(status=500, count=1)`` (an odata.error to that many data requests; 401 is
an HTML page), ``delay`` (seconds before each answer). ``requests`` records every request,
``request_count`` counts them. ``add``/``update``/``mark_deleted``/``remove`` change data as 1C
would (a new DataVersion on every change). Run ``python -m integrations.onec.fake`` to serve it
by hand.
"""

import argparse
import base64
import binascii
import contextlib
import copy
import itertools
import json
import operator
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote
from xml.sax.saxutils import quoteattr

PUBLICATION = "/base"
SERVICE_PATH = PUBLICATION + "/odata/standard.odata"
NAMESPACE = "StandardODATA"
ZERO_GUID = "00000000-0000-0000-0000-000000000000"
DEFAULT_USERNAME = "Администратор"
DEFAULT_PASSWORD = "пароль"  # noqa: S105 (the fake's demo password)
JSON_TYPE = "application/json;charset=utf-8"
XML_TYPE = "application/xml;charset=utf-8"
HTML_TYPE = "text/html; charset=utf-8"
# The Ref_Keys of the demo data are uuid5(GUID_NAMESPACE, "<Set>/<name>"): see ref().
GUID_NAMESPACE = uuid.UUID("6f1c2a9e-3b57-4d0c-9a1e-1c0000000001")
# An entity set with no rows still publishes these (1C publishes the full type regardless).
BASE_PROPERTIES = {
    "Ref_Key": "Edm.Guid",
    "DataVersion": "Edm.String",
    "DeletionMark": "Edm.Boolean",
}
EDM_XMLNS = "http://schemas.microsoft.com/ado/2009/11/edm"
DATETIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$")

_versions = itertools.count(1)


# --- the demo data: an УТ 11-like base --------------------------------------------------------


def ref(entity_set: str, name: str) -> str:
    """The stable Ref_Key of a demo row, e.g. ``ref("Catalog_Марки", "Baxi")``."""
    return str(uuid.uuid5(GUID_NAMESPACE, f"{entity_set}/{name}"))


def new_data_version() -> str:
    """A DataVersion 1C style (8 bytes, base64): opaque, and different after every change."""
    return base64.b64encode(next(_versions).to_bytes(8, "big")).decode()


def _row(entity_set: str, name: str, **fields) -> dict:
    """A demo row with the fields every 1C object has; ``name`` only makes the Ref_Key."""
    return {
        "Ref_Key": ref(entity_set, name),
        "DataVersion": base64.b64encode(uuid.uuid5(GUID_NAMESPACE, name).bytes[:8]).decode(),
        "DeletionMark": False,
        **fields,
    }


def _catalog(entity_set: str, name: str, **fields) -> dict:
    """A catalog item: the demo row plus Predefined/PredefinedDataName, as 1C sends them."""
    return {**_row(entity_set, name, **fields), "Predefined": False, "PredefinedDataName": ""}


def _tree_item(entity_set: str, name: str, *, parent: str = ZERO_GUID, folder=False, **fields):
    """An item of a hierarchical catalog: Parent_Key (zero GUID at the top) and IsFolder."""
    return _catalog(entity_set, name, Parent_Key=parent, IsFolder=folder, **fields)


def _counterparties() -> list[dict]:
    s = "Catalog_Контрагенты"
    legal, person = "ЮридическоеЛицо", "ФизическоеЛицо"

    def item(name, code, short, full, inn, kpp, kind=legal, **extra):
        return _tree_item(
            s,
            name,
            Code=code,
            Description=short,
            НаименованиеПолное=full,
            ИНН=inn,
            КПП=kpp,
            ЮридическоеФизическоеЛицо=kind,
            БизнесРегион_Key=extra.pop("region", ZERO_GUID),
            Партнер_Key=ref("Catalog_Партнеры", name),
            **extra,
        )

    llc = "Общество с ограниченной ответственностью"
    return [
        item(
            "Теплострой-Север",
            "00-000001",
            'ООО "Теплострой-Север"',
            f'{llc} "Теплострой-Север"',
            "7816588132",
            "781601001",
            region=ref("Catalog_БизнесРегионы", "Северо-Запад"),
        ),
        item(
            "Уралснаб",
            "00-000002",
            'ООО "Уралснаб"',
            f'{llc} "Уралснаб"',
            "6657309117",
            "665701001",
            region=ref("Catalog_БизнесРегионы", "Урал"),
        ),
        item(
            "Сбербанк",
            "00-000003",
            "ПАО Сбербанк",
            'Публичное акционерное общество "Сбербанк России"',
            "7707083893",
            "773601001",
        ),
        item(
            "Соколова",
            "00-000004",
            "ИП Соколова Анна Викторовна",
            "Индивидуальный предприниматель Соколова Анна Викторовна",
            "775589768464",
            "",
            person,
        ),
        item(
            "Ромашка",
            "00-000005",
            'ООО "Ромашка" (не использовать)',
            f'{llc} "Ромашка"',
            "7709876545",
            "770901001",
            DeletionMark=True,
        ),
    ]


def _goods() -> list[dict]:
    s = "Catalog_Номенклатура"
    unit, brand, kind = (
        "Catalog_УпаковкиЕдиницыИзмерения",
        "Catalog_Марки",
        "Catalog_ВидыНоменклатуры",
    )

    def folder(name, code):
        return _tree_item(
            s,
            name,
            folder=True,
            Code=code,
            Description=name,
            НаименованиеПолное="",
            Артикул="",
            ЕдиницаИзмерения_Key=ZERO_GUID,
            Марка_Key=ZERO_GUID,
            ВидНоменклатуры_Key=ZERO_GUID,
        )

    def item(name, code, article, group, unit_name, brand_name, kind_name):
        return _tree_item(
            s,
            name,
            parent=ref(s, group),
            Code=code,
            Description=name,
            НаименованиеПолное=name,
            Артикул=article,
            ЕдиницаИзмерения_Key=ref(unit, unit_name),
            Марка_Key=ref(brand, brand_name) if brand_name else ZERO_GUID,
            ВидНоменклатуры_Key=ref(kind, kind_name),
        )

    items = [  # name, code, article, group, unit, brand, kind
        ("Котёл газовый Baxi ECO Four 24", "00-00000011", "7659669", "Отопление", "шт", "Baxi",
         "Котлы"),
        ("Котёл газовый Viessmann Vitopend 100-W", "00-00000012", "A1JB010", "Отопление", "шт",
         "Viessmann", "Котлы"),
        ("Труба Rehau Rautitan flex 20", "00-00000021", "11360421100", "Трубы и фитинги", "м",
         "Rehau", "Трубы"),
        ("Монтаж котла", "00-00000031", "", "Услуги", "шт", "", "Услуги"),
    ]  # fmt: skip
    folders = [("Отопление", "00-00000001"), ("Трубы и фитинги", "00-00000002"),
               ("Услуги", "00-00000003")]  # fmt: skip
    return [folder(*row) for row in folders] + [item(*row) for row in items]


BANKS = [  # BIK, name, correspondent account, city: real banks, the accounts pass the key check
    ("044525225", "ПАО СБЕРБАНК", "30101810400000000225", "г. Москва"),
    (
        "044030653",
        "СЕВЕРО-ЗАПАДНЫЙ БАНК ПАО СБЕРБАНК",
        "30101810500000000653",
        "г. Санкт-Петербург",
    ),
    ("044525593", 'АО "АЛЬФА-БАНК"', "30101810200000000593", "г. Москва"),
]


def _small_catalogs() -> dict[str, list[dict]]:
    brands, kinds = "Catalog_Марки", "Catalog_ВидыНоменклатуры"
    banks, stores = "Catalog_КлассификаторБанков", "Catalog_Склады"
    regions, units = "Catalog_БизнесРегионы", "Catalog_УпаковкиЕдиницыИзмерения"
    return {
        brands: [
            _catalog(brands, name, Description=name) for name in ("Baxi", "Viessmann", "Rehau")
        ],
        kinds: [
            _tree_item(kinds, "Котлы", Description="Котлы", ТипНоменклатуры="Товар"),
            _tree_item(kinds, "Трубы", Description="Трубы", ТипНоменклатуры="Товар"),
            _tree_item(kinds, "Услуги", Description="Услуги", ТипНоменклатуры="Услуга"),
        ],
        banks: [
            _tree_item(banks, bik, Code=bik, Description=name, КоррСчет=account, Город=city)
            for bik, name, account, city in BANKS
        ],
        stores: [
            _tree_item(stores, name, Code=code, Description=name, ТипСклада="ОптовыйСклад")
            for name, code in (("Основной склад", "00-000001"), ("Склад Екатеринбург", "00-000002"))
        ],
        regions: [
            _tree_item(regions, name, Code=f"00000000{number}", Description=name)
            for number, name in enumerate(("Москва", "Северо-Запад", "Урал"), start=1)
        ],
        units: [
            _catalog(units, "шт", Code="796", Description="шт", НаименованиеПолное="Штука"),
            _catalog(units, "м", Code="006", Description="м", НаименованиеПолное="Метр"),
            _catalog(units, "кг", Code="166", Description="кг", НаименованиеПолное="Килограмм"),
        ],
    }


SALES = "Document_РеализацияТоваровУслуг"
RETURNS = "Document_ВозвратТоваровОтКлиента"


def days_ago(days: int) -> str:
    """A 1C datetime ``days`` before today, at noon (documents are dated relative to today so
    that the sync's window always holds the demo's)."""
    moment = datetime.combine(date.today() - timedelta(days=days), datetime.min.time())
    return (moment + timedelta(hours=12)).isoformat()


def goods_row(number: int, product: str, quantity: float, amount: float) -> dict:
    """A row of a document's goods table (Товары), as 1C sends it inside the document."""
    return {
        "LineNumber": str(number),
        "Номенклатура_Key": ref("Catalog_Номенклатура", product),
        "Количество": quantity,
        "Сумма": round(amount / 1.2, 2),
        "СуммаСНДС": amount,
    }


def document(entity_set: str, number: str, days: int, client: str, rows: list[dict], **extra):
    """A sales or returns document with its goods table."""
    return _row(
        entity_set,
        number,
        Number=number,
        Date=days_ago(days),
        Posted=extra.pop("posted", True),
        Контрагент_Key=ref("Catalog_Контрагенты", client),
        Склад_Key=ref("Catalog_Склады", "Основной склад"),
        ФормаОплаты=extra.pop("payment", "Безналичная"),
        СуммаДокумента=sum(row["СуммаСНДС"] for row in rows),
        Товары=rows,
        **extra,
    )


def _sales() -> dict[str, list[dict]]:
    baxi, rehau = "Котёл газовый Baxi ECO Four 24", "Труба Rehau Rautitan flex 20"
    viessmann = "Котёл газовый Viessmann Vitopend 100-W"
    north, urals = "Теплострой-Север", "Уралснаб"
    return {
        SALES: [
            document(SALES, "00УТ-000101", 3, north, [goods_row(1, baxi, 2, 125000.0)]),
            document(
                SALES,
                "00УТ-000102",
                10,
                urals,
                [goods_row(1, viessmann, 1, 48200.5), goods_row(2, rehau, 100, 9900.0)],
                payment="Наличная",
            ),
            document(
                SALES, "00УТ-000103", 12, north, [goods_row(1, rehau, 50, 4950.0)], posted=False
            ),
            document(SALES, "00УТ-000090", 60, north, [goods_row(1, baxi, 1, 62500.0)]),
        ],
        RETURNS: [
            document(RETURNS, "00УТ-000007", 5, urals, [goods_row(1, rehau, 10, 990.0)]),
        ],
    }


def _bank_accounts() -> list[dict]:
    s, owners, banks = (
        "Catalog_БанковскиеСчетаКонтрагентов",
        "Catalog_Контрагенты",
        "Catalog_КлассификаторБанков",
    )

    def account(owner, number, bik, name):
        return _catalog(
            s,
            number,
            Code=number[-6:],
            Description=name,
            Owner_Key=ref(owners, owner),
            НомерСчета=number,
            Банк_Key=ref(banks, bik),
        )

    return [
        account("Теплострой-Север", "40702810955000012345", "044030653", "Основной счёт"),
        account("Уралснаб", "40702810100000004567", "044525593", "Расчётный счёт"),
    ]


# Catalogs a stock УТ 11 does not have, as a typical extension publishes them.
EXTENSION_CATALOGS = {
    "Catalog_КаналыСбыта": ("Розница", "Опт", "Интернет-магазин"),
    "Catalog_ТипыКлиентов": ("Сеть", "Монтажная организация", "Дистрибьютор"),
    "Catalog_КатегорииКлиентов": ("A", "B", "C"),
    "Catalog_ИсточникиПривлечения": ("Выставка", "Сайт", "Рекомендация"),
    "Catalog_ФорматыМагазинов": ("Салон", "Магазин у дома", "Shop-in-shop"),
    "Catalog_ФормыОплаты": ("Наличные", "Безналичный расчёт", "Платёжная карта"),
    "Catalog_Холдинги": ("Группа «Тепло»", "Уральский холдинг"),
}


def _extension_catalogs() -> dict[str, list[dict]]:
    catalogs = {
        name: [_catalog(name, value, Description=value) for value in values]
        for name, values in EXTENSION_CATALOGS.items()
    }
    collections = "Catalog_КоллекцииНоменклатуры"
    catalogs[collections] = [
        _catalog(collections, name, Description=name, Марка_Key=ref("Catalog_Марки", brand))
        for name, brand in (("ECO Four", "Baxi"), ("Luna", "Baxi"), ("Vitopend", "Viessmann"))
    ]
    for row in catalogs["Catalog_ФормыОплаты"]:  # a card payment names its acquiring bank
        card = row["Description"] == "Платёжная карта"
        row["Банк_Key"] = ref("Catalog_КлассификаторБанков", "044525225") if card else ZERO_GUID
    return catalogs


def inn10(first9: str) -> str:
    """A legal entity's INN with its check digit."""
    weights = (2, 4, 10, 3, 5, 9, 4, 6, 8)
    return first9 + str(sum(w * int(d) for w, d in zip(weights, first9, strict=True)) % 11 % 10)


def many_counterparties(count: int, *, start: int = 0) -> list[dict]:
    """``count`` generated legal entities with valid INNs, for volume tests and the bench."""
    s = "Catalog_Контрагенты"
    rows = []
    for number in range(start, start + count):
        name = f"Контрагент {number:07d}"
        rows.append(
            _tree_item(
                s,
                name,
                Code=f"ГН-{number:07d}",
                Description=f'ООО "{name}"',
                НаименованиеПолное=f'Общество с ограниченной ответственностью "{name}"',
                ИНН=inn10(f"77{number:07d}"),
                КПП="770101001",
                ЮридическоеФизическоеЛицо="ЮридическоеЛицо",
            )
        )
    return rows


def demo_dataset() -> dict[str, list[dict]]:
    """A few rows of each УТ 11 dictionary the sync reads, plus sales and returns documents.

    Fresh copies on every call; INN/KPP and BIK/correspondent accounts pass the checks.
    """
    return {
        "Catalog_Контрагенты": _counterparties(),
        "Catalog_Номенклатура": _goods(),
        "Catalog_БанковскиеСчетаКонтрагентов": _bank_accounts(),
        **_small_catalogs(),
        **_extension_catalogs(),
        **_sales(),
    }


# --- $metadata --------------------------------------------------------------------------------


def edm_type(name: str, value: object, row_type: str = "") -> str:
    """The EDM type 1C would publish for a property, guessed from its name and a value."""
    if name == "Ref_Key" or name.endswith("_Key"):
        return "Edm.Guid"
    if isinstance(value, bool):
        return "Edm.Boolean"
    if isinstance(value, int | float):
        return "Edm.Double"
    if isinstance(value, list):  # a tabular section
        return f"Collection({NAMESPACE}.{row_type}_RowType)"
    if isinstance(value, str) and DATETIME_RE.match(value):
        return "Edm.DateTime"
    return "Edm.String"


def schema(rows: list[dict], type_name: str) -> dict[str, str]:
    """Property -> EDM type over all rows, in first-seen order, typed by the first non-null."""
    first: dict[str, object] = {}
    for row in rows:
        for key, value in row.items():
            if first.get(key) is None:
                first[key] = value
    return {key: edm_type(key, value, f"{type_name}_{key}") for key, value in first.items()}


def _type_xml(tag: str, name: str, properties: dict[str, str]) -> str:
    lines = [f"<{tag} Name={quoteattr(name)}>"]
    if tag == "EntityType" and "Ref_Key" in properties:
        lines.append('<Key><PropertyRef Name="Ref_Key"/></Key>')
    for prop, type_ in properties.items():
        nullable = "false" if prop == "Ref_Key" or type_.startswith("Collection(") else "true"
        attributes = (
            f"Name={quoteattr(prop)} Type={quoteattr(type_)} Nullable={quoteattr(nullable)}"
        )
        lines.append(f"<Property {attributes}/>")
    lines.append(f"</{tag}>")
    return "\n".join(lines)


def metadata_xml(entity_sets: dict[str, list[dict]]) -> str:
    """EDMX 1.0 / OData v3 as 1C publishes it: one StandardODATA schema, types named as sets."""
    types, container = [], []
    for name, rows in entity_sets.items():
        properties = schema(rows, name) or dict(BASE_PROPERTIES)
        types.append(_type_xml("EntityType", name, properties))
        for prop, type_ in properties.items():
            if type_.startswith("Collection("):
                items = [item for row in rows for item in row.get(prop) or []]
                row_type = f"{name}_{prop}_RowType"
                types.append(_type_xml("ComplexType", row_type, schema(items, row_type)))
        container.append(
            f"<EntitySet Name={quoteattr(name)} EntityType={quoteattr(f'{NAMESPACE}.{name}')}/>"
        )
    return "\n".join(
        [
            '<?xml version="1.0" encoding="UTF-8"?>',
            '<edmx:Edmx xmlns:edmx="http://schemas.microsoft.com/ado/2007/06/edmx" Version="1.0">',
            '<edmx:DataServices xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/'
            'metadata" m:DataServiceVersion="3.0">',
            f'<Schema xmlns="{EDM_XMLNS}" Namespace="{NAMESPACE}">',
            *types,
            f'<EntityContainer Name="{NAMESPACE}" m:IsDefaultEntityContainer="true">',
            *container,
            "</EntityContainer>",
            "</Schema>",
            "</edmx:DataServices>",
            "</edmx:Edmx>",
        ]
    )


# --- $filter ----------------------------------------------------------------------------------


class QueryError(ValueError):
    """A query option the fake cannot parse: answered 400 with an odata.error."""


COMPARISON_RE = re.compile(
    r"\s*(?P<field>[^\W\d]\w*)\s+(?P<op>eq|ne|gt|ge|lt|le)\s+"
    r"(?P<literal>guid'[^']*'|datetime'[^']*'|'(?:[^']|'')*'|true|false|-?\d+(?:\.\d+)?)\s*"
)
AND_RE = re.compile(r"and\s+")
OPERATORS = {
    "eq": operator.eq,
    "ne": operator.ne,
    "gt": operator.gt,
    "ge": operator.ge,
    "lt": operator.lt,
    "le": operator.le,
}
LITERAL_TYPES = {  # the literal's kind -> the EDM type of the property it may be compared with
    "guid": "Edm.Guid",
    "datetime": "Edm.DateTime",
    "string": "Edm.String",
    "boolean": "Edm.Boolean",
    "number": "Edm.Double",
}


def _literal(text: str) -> tuple[str, object]:
    """The kind and Python value of a literal; a malformed GUID or date is a QueryError."""
    try:
        if text.startswith("guid'"):
            return "guid", str(uuid.UUID(text[5:-1]))
        if text.startswith("datetime'"):
            return "datetime", datetime.fromisoformat(text[9:-1])
    except ValueError as error:
        raise QueryError(f"Неверный литерал {text}") from error
    if text.startswith("'"):
        return "string", text[1:-1].replace("''", "'")
    if text in ("true", "false"):
        return "boolean", text == "true"
    return "number", float(text)


def _comparable(kind: str, value: object) -> object:
    """A stored value in the form its literal is compared in."""
    if value is None:
        return None
    if kind == "guid":
        return str(value).lower()
    if kind == "datetime":
        return datetime.fromisoformat(str(value))
    return value


def parse_filter(text: str, types: dict[str, str]) -> Callable[[dict], bool]:
    """A row predicate for ``$filter``; ``types`` (property -> EDM type) checks the fields."""
    checks = []
    position = 0
    while True:
        match = COMPARISON_RE.match(text, position)
        if not match:
            raise QueryError(f"Ошибка разбора выражения $filter в позиции {position + 1}")
        prop, op = match["field"], match["op"]
        kind, value = _literal(match["literal"])
        if prop not in types:
            raise QueryError(f"Неизвестное свойство {prop}")
        if types[prop] != LITERAL_TYPES[kind]:
            raise QueryError(f"Несовместимые типы: {prop} ({types[prop]}) и {match['literal']}")
        if kind in ("guid", "boolean") and op not in ("eq", "ne"):
            raise QueryError(f"Операция {op} не применима к {prop}")
        checks.append((prop, OPERATORS[op], kind, value))
        position = match.end()
        if position == len(text):
            break
        joint = AND_RE.match(text, position)
        if not joint:
            raise QueryError(f"Ожидалось and в позиции {position + 1}")
        position = joint.end()

    def predicate(row: dict) -> bool:
        for prop, compare, kind, value in checks:
            stored = _comparable(kind, row.get(prop))
            if stored is None:
                if compare is not operator.ne:
                    return False
            elif not compare(stored, value):
                return False
        return True

    return predicate


def _orderby(text: str, types: dict[str, str]) -> list[tuple[str, bool]]:
    """[(property, descending)] from "Ref_Key" or "Date desc, Number"."""
    keys = []
    for part in text.split(",") if text.strip() else []:
        words = part.split()
        if not words or len(words) > 2 or (len(words) == 2 and words[1] not in ("asc", "desc")):
            raise QueryError(f"Ошибка разбора выражения $orderby: {text}")
        if words[0] not in types:
            raise QueryError(f"Неизвестное свойство {words[0]}")
        keys.append((words[0], len(words) == 2 and words[1] == "desc"))
    return keys


def _count(params: dict[str, str], name: str) -> int | None:
    if name not in params:
        return None
    if not params[name].isdigit():
        raise QueryError(f"Неверное значение {name}: {params[name]}")
    return int(params[name])


# --- the server -------------------------------------------------------------------------------


@dataclass
class Received:
    """One request as it arrived: ``path`` and ``query`` are raw (still percent-encoded)."""

    method: str
    path: str
    query: str
    headers: dict[str, str]

    @property
    def params(self) -> dict[str, str]:
        """The query decoded as the fake reads it: %XX as UTF-8, "+" left as it is."""
        return _params(self.query)


@dataclass
class Reply:
    status: int
    body: bytes
    content_type: str = JSON_TYPE
    headers: dict[str, str] = field(default_factory=dict)


def _params(query: str) -> dict[str, str]:
    params = {}
    for part in query.split("&"):
        if part:
            key, _sep, value = part.partition("=")
            params[unquote(key)] = unquote(value)
    return params


def odata_error(status: int, message: str, code: str = "-1") -> Reply:
    """1C's error body: {"odata.error": {"code": "-1", "message": {"lang": "ru", "value": …}}}."""
    body = {"odata.error": {"code": code, "message": {"lang": "ru", "value": message}}}
    return Reply(status, json.dumps(body, ensure_ascii=False).encode())


def html_page(status: int, title: str, headers: dict[str, str] | None = None) -> Reply:
    """What the web server in front of 1C sends for 401 or an unknown path: HTML, not OData."""
    body = f"<html><head><title>{status} {title}</title></head><body><h1>{title}</h1></body></html>"
    return Reply(status, body.encode(), HTML_TYPE, headers or {})


def unauthorized() -> Reply:
    return html_page(401, "Unauthorized", {"WWW-Authenticate": 'Basic realm="1C:Enterprise"'})


class FakeOneC:
    """The fake server; ``start()``/``stop()`` or use it as a context manager."""

    def __init__(
        self,
        entity_sets: dict[str, list[dict]] | None = None,
        *,
        username: str = DEFAULT_USERNAME,
        password: str = DEFAULT_PASSWORD,
        port: int = 0,
    ):
        self.entity_sets = demo_dataset() if entity_sets is None else entity_sets
        self.username = username
        self.password = password
        self.port = port
        self.delay = 0.0
        self.requests: list[Received] = []
        self.lock = threading.RLock()
        self.stopping = threading.Event()
        self._failures: list[int] = []
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- life cycle -------------------------------------------------------------------------

    def start(self) -> "FakeOneC":
        self.stopping.clear()
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), _Handler)
        self._server.daemon_threads = True
        self._server.fake = self
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), name="fake-1c", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        self.stopping.set()  # wakes handlers sleeping on ``delay``
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = self._thread = None

    def __enter__(self) -> "FakeOneC":
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    @property
    def url(self) -> str:
        """The OData root, as ODataClient takes it: http://127.0.0.1:PORT/base/odata/standard.odata"""
        return f"http://127.0.0.1:{self.port}{SERVICE_PATH}"

    @property
    def request_count(self) -> int:
        return len(self.requests)

    # --- switches and data ------------------------------------------------------------------

    def fail_next(self, status: int = 500, count: int = 1) -> None:
        """Answer the next ``count`` data requests (not $metadata) with this status."""
        with self.lock:
            self._failures.extend([status] * count)

    def add(self, entity_set: str, row: dict) -> dict:
        """Create an object; Ref_Key, DataVersion and DeletionMark are filled in when absent."""
        stored = {
            "Ref_Key": str(uuid.uuid4()),
            "DataVersion": new_data_version(),
            "DeletionMark": False,
            **row,
        }
        with self.lock:
            self.entity_sets.setdefault(entity_set, []).append(stored)
        return copy.deepcopy(stored)

    def update(self, entity_set: str, ref_key: str, **fields) -> dict:
        """Change fields of an object as a 1C user would: DataVersion changes too."""
        with self.lock:
            row = self._find(entity_set, ref_key)
            row.update(fields, DataVersion=new_data_version())
            return copy.deepcopy(row)

    def mark_deleted(self, entity_set: str, ref_key: str, deleted: bool = True) -> dict:
        """Set (or clear) the deletion mark: the object stays, with a new DataVersion."""
        return self.update(entity_set, ref_key, DeletionMark=deleted)

    def remove(self, entity_set: str, ref_key: str) -> None:
        """Delete an object for good, as "Удаление помеченных объектов" does."""
        with self.lock:
            self.entity_sets[entity_set].remove(self._find(entity_set, ref_key))

    def _find(self, entity_set: str, ref_key: str) -> dict:
        for row in self.entity_sets.get(entity_set, []):
            if row.get("Ref_Key") == ref_key:
                return row
        raise KeyError(f"{entity_set}({ref_key})")

    # --- the service ------------------------------------------------------------------------

    def answer(self, request: Received) -> Reply:
        """What 1C (behind its web server) answers to this request."""
        path = unquote(request.path)
        if path != SERVICE_PATH and not path.startswith(SERVICE_PATH + "/"):
            return html_page(404, "Not Found")
        if not self._authorized(request.headers):
            return unauthorized()
        resource = path[len(SERVICE_PATH) :].strip("/")
        with self.lock:
            if resource == "$metadata":
                return Reply(200, metadata_xml(self.entity_sets).encode(), XML_TYPE)
            if self._failures:
                status = self._failures.pop(0)
                if status == 401:
                    return unauthorized()
                return odata_error(status, "Ошибка при выполнении операции над данными")
            params = request.params
            if params.get("$format") not in ("json", "application/json"):
                return html_page(406, "Not Acceptable: the fake speaks $format=json only")
            try:
                return self._data(resource, params)
            except QueryError as error:
                return odata_error(400, str(error))

    def _authorized(self, headers: dict[str, str]) -> bool:
        """HTTP Basic with the user name and password in UTF-8."""
        header = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
        scheme, _sep, token = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        username, sep, password = decoded.partition(":")
        return bool(sep) and (username, password) == (self.username, self.password)

    def _data(self, resource: str, params: dict[str, str]) -> Reply:
        if not resource:  # the service document: the entity sets
            sets = [{"name": name, "url": name} for name in self.entity_sets]
            return self._json({"odata.metadata": f"{self.url}/$metadata", "value": sets})
        match = re.fullmatch(r"(?P<set>[^(/]+)(?:\(guid'(?P<key>[^']*)'\))?", resource)
        name = match["set"] if match else resource
        if not match or name not in self.entity_sets:
            return odata_error(404, f"Не найден сегмент URL: {name}")
        rows = self.entity_sets[name]
        types = schema(rows, name) or dict(BASE_PROPERTIES)
        select = self._select(params.get("$select", ""), types)
        if match["key"] is not None:
            found = [row for row in rows if row.get("Ref_Key") == match["key"]]
            if not found:
                return odata_error(404, f"Объект не найден: {name}(guid'{match['key']}')")
            body = {"odata.metadata": f"{self.url}/$metadata#{name}/@Element"}
            return self._json({**body, **select(found[0])})
        return self._collection(name, rows, types, params, select)

    def _collection(self, name, rows, types, params, select) -> Reply:
        if params.get("$filter"):
            rows = list(filter(parse_filter(params["$filter"], types), rows))
        for prop, descending in reversed(_orderby(params.get("$orderby") or "", types)):
            rows = sorted(rows, key=lambda row, p=prop: _sort_key(row.get(p)), reverse=descending)
        body: dict[str, object] = {"odata.metadata": f"{self.url}/$metadata#{name}"}
        inlinecount = params.get("$inlinecount", "none")
        if inlinecount not in ("none", "allpages"):
            raise QueryError(f"Неверное значение $inlinecount: {inlinecount}")
        if inlinecount == "allpages":
            body["odata.count"] = str(len(rows))  # a string in OData v3 JSON
        skip, top = _count(params, "$skip") or 0, _count(params, "$top")
        rows = rows[skip:] if top is None else rows[skip : skip + top]
        body["value"] = [select(row) for row in rows]
        return self._json(body)

    @staticmethod
    def _select(text: str, types: dict[str, str]) -> Callable[[dict], dict]:
        names = [name.strip() for name in text.split(",") if name.strip()]
        if not names or "*" in names:
            return copy.deepcopy
        unknown = [name for name in names if name not in types]
        if unknown:
            raise QueryError(f"Неизвестное свойство {unknown[0]} в $select")
        return lambda row: {key: copy.deepcopy(row[key]) for key in row if key in names}

    @staticmethod
    def _json(body: dict) -> Reply:
        return Reply(200, json.dumps(body, ensure_ascii=False).encode())


def _sort_key(value: object) -> tuple[bool, object]:
    """Nulls last; other values as stored (a GUID sorts as its string)."""
    return (value is None, "" if value is None else value)


class _Handler(BaseHTTPRequestHandler):
    server_version = "Apache/2.4"  # 1C publishes through Apache or IIS
    sys_version = ""

    def do_GET(self):
        fake: FakeOneC = self.server.fake
        path, _sep, query = self.path.partition("?")
        request = Received("GET", path, query, dict(self.headers.items()))
        with fake.lock:
            fake.requests.append(request)
        if fake.delay and fake.stopping.wait(fake.delay):
            return  # stopping: nobody waits for this answer any more
        reply = fake.answer(request)
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up waiting (``delay`` beyond its timeout)

    def log_message(self, format, *args):
        pass


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Serve the fake 1C OData until interrupted.")
    parser.add_argument("--port", type=int, default=8093)
    args = parser.parse_args(argv)
    with FakeOneC(port=args.port) as fake:
        print(f"fake 1C OData on {fake.url}", flush=True)
        print(f"user {fake.username!r}, password {fake.password!r} (HTTP Basic, UTF-8)")
        print("entity sets: " + ", ".join(fake.entity_sets), flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":  # pragma: no cover
    main()

"""Demo data of the dictionaries: the geography of Russia from crm/refs/data/geography.json,
then units of measure, banks, payment forms, warehouses and outlet formats."""

from crm.refs import data
from crm.refs.models import (
    Bank,
    City,
    Country,
    FederalDistrict,
    OutletFormat,
    PaymentForm,
    Region,
    UnitOfMeasure,
    Warehouse,
)

# OKEI code, symbol, name
UNITS = [
    ("796", "шт", "Штука"),
    ("112", "л", "Литр"),
    ("166", "кг", "Килограмм"),
    ("006", "м", "Метр"),
    ("778", "упак", "Упаковка"),
    ("704", "набор", "Набор"),
]
# BIK, name, correspondent account, city external code
BANKS = [
    ("044525225", "ПАО Сбербанк", "30101810400000000225", "RU-77-MOSKVA"),
    ("044525187", "Банк ВТБ (ПАО)", "30101810700000000187", "RU-77-MOSKVA"),
    ("044525593", "АО «Альфа-Банк»", "30101810200000000593", "RU-77-MOSKVA"),
    ("044525823", "Банк ГПБ (АО)", "30101810200000000823", "RU-77-MOSKVA"),
    ("044525700", "АО «Райффайзенбанк»", "30101810200000000700", "RU-77-MOSKVA"),
    (
        "044030653",
        "Северо-Западный банк ПАО Сбербанк",
        "30101810500000000653",
        "RU-78-SANKT-PETERBURG",
    ),
    ("045004641", "Сибирский банк ПАО Сбербанк", "30101810500000000641", "RU-54-NOVOSIBIRSK"),
    (
        "042007681",
        "Центрально-Черноземный банк ПАО Сбербанк",
        "30101810600000000681",
        "RU-36-VORONEZH",
    ),
]
# external code, name, BIK of the bank (the ERP keeps the bank on the payment form) or None
PAYMENT_FORMS = [
    ("PF-CASHLESS-SBER", "Безналичный расчёт (Сбербанк)", "044525225"),
    ("PF-CASHLESS-VTB", "Безналичный расчёт (ВТБ)", "044525187"),
    ("PF-CASH", "Наличные", None),
    ("PF-CARD", "Банковская карта (эквайринг)", "044525593"),
    ("PF-SBP", "Система быстрых платежей (СБП)", "044525225"),
    ("PF-CREDIT", "Отсрочка платежа (товарный кредит)", None),
    ("PF-OFFSET", "Взаимозачёт", None),
]
# external code, name, city external code, address
WAREHOUSES = [
    ("WH-MSK", "Центральный склад «Москва»", "RU-50-PODOLSK", "Подольск, ул. Складская, 12"),
    (
        "WH-SPB",
        "Склад «Санкт-Петербург»",
        "RU-78-SANKT-PETERBURG",
        "Санкт-Петербург, Софийская ул., 60",
    ),
    ("WH-NSK", "Склад «Новосибирск»", "RU-54-NOVOSIBIRSK", "Новосибирск, ул. Станционная, 38"),
    ("WH-VRN", "Склад «Воронеж»", "RU-36-VORONEZH", "Воронеж, ул. Землячки, 15"),
]
OUTLET_FORMATS = [
    ("OF-AUTOSHOP", "Магазин автозапчастей"),
    ("OF-SERVICE", "Станция техобслуживания (СТО)"),
    ("OF-OILCHANGE", "Экспресс-замена масла"),
    ("OF-FUEL", "АЗС с магазином"),
    ("OF-SHOP-IN-SHOP", "Shop-in-shop в гипермаркете"),
    ("OF-FRANCHISE", "Фирменный магазин (франшиза)"),
    ("OF-MARKETPLACE", "Пункт выдачи маркетплейса"),
    ("OF-WHOLESALE", "Оптовый склад дилера"),
]


def seed(*, scale: str) -> dict[str, int]:
    """Create or update the geography on natural keys; a second run changes nothing.

    Keys: the country's ISO code, the district's name within the country, the region's subject
    code, the city's name within its region. External codes are updated to the file's values.
    """
    geo = data.geography()
    spec = geo["country"]
    country, _ = Country.objects.update_or_create(
        iso_code=spec["iso_code"],
        defaults={"name": spec["name"], "external_code": spec["external_code"]},
    )
    districts = {}
    for spec in geo["federal_districts"]:
        districts[spec["external_code"]], _ = FederalDistrict.objects.update_or_create(
            country=country, name=spec["name"], defaults={"external_code": spec["external_code"]}
        )
    cities = 0
    for spec in geo["regions"]:
        region, _ = Region.objects.update_or_create(
            code=spec["code"],
            defaults={
                "name": spec["name"],
                "district": districts[spec["federal_district"]],
                "external_code": spec["external_code"],
            },
        )
        for city in spec["cities"]:
            City.objects.update_or_create(
                region=region, name=city["name"], defaults={"external_code": city["external_code"]}
            )
            cities += 1
    return {
        "federal_districts": len(districts),
        "regions": len(geo["regions"]),
        "cities": cities,
        **seed_dictionaries(),
    }


def seed_units() -> dict[str, UnitOfMeasure]:
    """The units of measure on their OKEI codes (the demo catalogue needs them too)."""
    return {
        code: UnitOfMeasure.objects.update_or_create(
            code=code, defaults={"symbol": symbol, "name": name, "external_code": f"OKEI-{code}"}
        )[0]
        for code, symbol, name in UNITS
    }


def seed_dictionaries() -> dict[str, int]:
    """Units, banks, payment forms, warehouses and outlet formats on their natural keys (OKEI
    code, BIK, external code); a second run changes nothing."""
    seed_units()
    cities = {city.external_code: city for city in City.objects.exclude(external_code="")}
    banks = {}
    for bik, name, corr, city in BANKS:
        banks[bik], _ = Bank.objects.update_or_create(
            bik=bik,
            defaults={
                "name": name,
                "corr_account": corr,
                "city": cities.get(city),
                "external_code": f"BANK-{bik}",
            },
        )
    for code, name, bik in PAYMENT_FORMS:
        PaymentForm.objects.update_or_create(
            external_code=code, defaults={"name": name, "bank": banks.get(bik)}
        )
    for code, name, city, address in WAREHOUSES:
        Warehouse.objects.update_or_create(
            external_code=code,
            defaults={"name": name, "city": cities.get(city), "address": address},
        )
    for code, name in OUTLET_FORMATS:
        OutletFormat.objects.update_or_create(external_code=code, defaults={"name": name})
    return {
        "units": len(UNITS),
        "banks": len(BANKS),
        "payment_forms": len(PAYMENT_FORMS),
        "warehouses": len(WAREHOUSES),
        "outlet_formats": len(OUTLET_FORMATS),
    }

"""Demo catalogue of a lubricants and car-chemicals maker selling through dealers: a group tree
of three levels, brands with sub-brands and series, ~150 products with articles, and two price
lists. Keyed on external codes and articles, so a second run creates and changes nothing."""

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from crm.catalog.models import Brand, PriceList, PriceListItem, Product, ProductGroup, Series
from crm.refs.demo import seed_units

# external code, name, parent code
GROUPS = [
    ("G-MO", "Моторные масла", None),
    ("G-MO-PC", "Масла для легковых автомобилей", "G-MO"),
    ("G-MO-PC-SYN", "Синтетические", "G-MO-PC"),
    ("G-MO-PC-SEMI", "Полусинтетические", "G-MO-PC"),
    ("G-MO-PC-MIN", "Минеральные", "G-MO-PC"),
    ("G-MO-HD", "Масла для коммерческой техники", "G-MO"),
    ("G-MO-MOTO", "Масла для мототехники", "G-MO"),
    ("G-TR", "Трансмиссионные масла", None),
    ("G-TR-MT", "Для МКПП и мостов", "G-TR"),
    ("G-TR-AT", "Для АКПП и вариаторов", "G-TR"),
    ("G-IND", "Гидравлические и индустриальные масла", None),
    ("G-FL", "Технические жидкости", None),
    ("G-FL-COOL", "Охлаждающие жидкости", "G-FL"),
    ("G-FL-BRAKE", "Тормозные жидкости", "G-FL"),
    ("G-FL-WASH", "Стеклоомывающие жидкости", "G-FL"),
    ("G-GR", "Пластичные смазки", None),
    ("G-CH", "Автохимия", None),
    ("G-CH-FUEL", "Присадки и очистители топливной системы", "G-CH"),
    ("G-CH-COSM", "Автокосметика", "G-CH"),
]

# external code, name, parent brand code
BRANDS = [
    ("B-DEMOIL", "Демо-Ойл", None),
    ("B-DEMOIL-PRO", "Демо-Ойл Профи", "B-DEMOIL"),
    ("B-DEMOIL-STD", "Демо-Ойл Стандарт", "B-DEMOIL"),
    ("B-SEVER", "Север Лубрикантс", None),
    ("B-SEVER-MOTO", "Север Мото", "B-SEVER"),
    ("B-TRANSLUB", "ТрансЛюб", None),
    ("B-THERMO", "Термолайн", None),
    ("B-HYDRO", "Гидротек", None),
    ("B-AHM", "АвтоХим Мастер", None),
    ("B-AHM-BODY", "АвтоХим Кузов", "B-AHM"),
    ("B-AHM-MOTOR", "АвтоХим Мотор", "B-AHM"),
    ("B-SMAZKON", "Смазкон", None),
]

# external code, name, brand code
SERIES = [
    ("S-PRO-ULTRA", "Ультра", "B-DEMOIL-PRO"),
    ("S-PRO-TDI", "Турбо Дизель", "B-DEMOIL-PRO"),
    ("S-PRO-SPORT", "Спорт", "B-DEMOIL-PRO"),
    ("S-STD-CLASSIC", "Классик", "B-DEMOIL-STD"),
    ("S-STD-ECO", "Эконом", "B-DEMOIL-STD"),
    ("S-SEVER-ARCTIC", "Арктик", "B-SEVER"),
    ("S-SEVER-TAIGA", "Тайга", "B-SEVER"),
    ("S-MOTO-4T", "Мото 4T", "B-SEVER-MOTO"),
    ("S-MOTO-2T", "Мото 2T", "B-SEVER-MOTO"),
    ("S-TL-HYPOID", "Гипоид", "B-TRANSLUB"),
    ("S-TL-ATF", "АТФ Мульти", "B-TRANSLUB"),
    ("S-TH-G12", "G12+", "B-THERMO"),
    ("S-TH-G13", "G13", "B-THERMO"),
    ("S-TH-WINTER", "Зимняя", "B-THERMO"),
    ("S-HY-DOT", "Тормоз", "B-HYDRO"),
    ("S-HY-HVLP", "Гидравлика", "B-HYDRO"),
    ("S-AHM-SHINE", "Блеск", "B-AHM-BODY"),
    ("S-AHM-CLEAN", "Очистка", "B-AHM-MOTOR"),
    ("S-AHM-ADD", "Присадки", "B-AHM-MOTOR"),
    ("S-SM-CLASSIC", "Классика", "B-SMAZKON"),
    ("S-SM-TECH", "Техно", "B-SMAZKON"),
]

PIECE, LITRE, KILO = "796", "112", "166"

# Product lines: (article prefix, name, group, series, variants, packs, price per litre/kg)
# A variant is a viscosity or a grade; a pack is (volume, label, unit code).
CANS = [(1, "1 л", PIECE), (4, "4 л", PIECE), (5, "5 л", PIECE), (208, "бочка 208 л", LITRE)]
HD_CANS = [(5, "5 л", PIECE), (20, "20 л", PIECE), (208, "бочка 208 л", LITRE)]
SMALL = [(1, "1 л", PIECE), (4, "4 л", PIECE)]
LINES = [
    ("DP-U", "Демо-Ойл Профи Ультра {v} SP", "G-MO-PC-SYN", "S-PRO-ULTRA",
     ["0W-20", "0W-30", "5W-30", "5W-40"], CANS, 720),
    ("DP-S", "Демо-Ойл Профи Спорт {v} SN", "G-MO-PC-SYN", "S-PRO-SPORT",
     ["10W-60", "5W-50"], SMALL, 890),
    ("DP-T", "Демо-Ойл Профи Турбо Дизель {v} CI-4", "G-MO-HD", "S-PRO-TDI",
     ["10W-40", "15W-40"], HD_CANS, 430),
    ("DS-C", "Демо-Ойл Стандарт Классик {v} SL/CF", "G-MO-PC-SEMI", "S-STD-CLASSIC",
     ["10W-40", "5W-40", "15W-40"], CANS, 380),
    ("DS-E", "Демо-Ойл Стандарт Эконом {v} SG/CD", "G-MO-PC-MIN", "S-STD-ECO",
     ["15W-40", "20W-50"], CANS, 260),
    ("SV-A", "Север Арктик {v} SP", "G-MO-PC-SYN", "S-SEVER-ARCTIC",
     ["0W-30", "0W-40", "5W-40"], CANS, 760),
    ("SV-T", "Север Тайга {v} CK-4", "G-MO-HD", "S-SEVER-TAIGA",
     ["5W-30", "10W-40"], HD_CANS, 470),
    ("SM-4", "Север Мото 4T {v}", "G-MO-MOTO", "S-MOTO-4T", ["10W-40", "20W-50"], SMALL, 640),
    ("SM-2", "Север Мото 2T {v}", "G-MO-MOTO", "S-MOTO-2T", ["TC", "TC-W3"], SMALL, 520),
    ("TL-H", "ТрансЛюб Гипоид {v} GL-5", "G-TR-MT", "S-TL-HYPOID",
     ["75W-90", "80W-90", "85W-140"], CANS, 410),
    ("TL-A", "ТрансЛюб АТФ Мульти {v}", "G-TR-AT", "S-TL-ATF", ["Dexron III", "CVT"], CANS, 560),
    ("TH-12", "Термолайн G12+ {v}", "G-FL-COOL", "S-TH-G12", ["красный", "концентрат"],
     [(1, "1 кг", PIECE), (5, "5 кг", PIECE), (10, "10 кг", PIECE)], 190),
    ("TH-13", "Термолайн G13 {v}", "G-FL-COOL", "S-TH-G13", ["фиолетовый"],
     [(1, "1 кг", PIECE), (5, "5 кг", PIECE), (10, "10 кг", PIECE)], 230),
    ("TH-W", "Термолайн стеклоомыватель {v}", "G-FL-WASH", "S-TH-WINTER",
     ["−15 °C", "−20 °C", "−30 °C"], [(4, "4 л", PIECE), (5, "5 л", PIECE)], 75),
    ("HY-D", "Гидротек Тормоз {v}", "G-FL-BRAKE", "S-HY-DOT", ["DOT-4", "DOT-5.1"],
     [(0.5, "0,5 л", PIECE), (1, "1 л", PIECE)], 420),
    ("HY-H", "Гидротек Гидравлика {v}", "G-IND", "S-HY-HVLP", ["HVLP 32", "HVLP 46", "HVLP 68"],
     [(20, "20 л", PIECE), (208, "бочка 208 л", LITRE)], 240),
    ("SK-L", "Смазкон Классика {v}", "G-GR", "S-SM-CLASSIC", ["Литол-24", "Графитная"],
     [(0.1, "туба 100 г", PIECE), (0.8, "банка 800 г", PIECE), (18, "ведро 18 кг", KILO)], 310),
    ("SK-T", "Смазкон Техно {v}", "G-GR", "S-SM-TECH", ["ШРУС-4", "литиевая EP2"],
     [(0.1, "туба 100 г", PIECE), (0.4, "банка 400 г", PIECE)], 520),
    ("AH-C", "АвтоХим Мотор Очистка: {v}", "G-CH-FUEL", "S-AHM-CLEAN",
     ["промывка двигателя 5 минут", "очиститель инжектора", "очиститель карбюратора",
      "очиститель дросселя"],
     [(0.3, "300 мл", PIECE)], 1100),
    ("AH-A", "АвтоХим Мотор Присадки: {v}", "G-CH-FUEL", "S-AHM-ADD",
     ["октан-корректор", "антигель для дизтоплива", "стоп-течь масла"],
     [(0.3, "300 мл", PIECE), (1, "1 л", PIECE)], 980),
    ("AH-B", "АвтоХим Кузов Блеск: {v}", "G-CH-COSM", "S-AHM-SHINE",
     ["полироль-воск", "очиститель стекол", "чернитель шин", "шампунь для бесконтактной мойки",
      "антидождь", "очиститель салона"],
     [(0.5, "500 мл", PIECE), (5, "5 л", PIECE)], 640),
]  # fmt: skip

PRICE_LISTS = [
    ("PL-DEALER-2026", "Базовый прайс-лист для дилеров 2026", Decimal("1.00")),
    ("PL-RETAIL-2026", "Рекомендованные розничные цены 2026", Decimal("1.35")),
]
PERIOD = (date(2026, 1, 1), date(2026, 12, 31))


def _code(text: str) -> str:
    """The Latin letters and digits of a variant or pack label, for the article."""
    table = str.maketrans({"+": "P", "−": "M"})
    return "".join(ch for ch in text.translate(table).upper() if ch.isascii() and ch.isalnum())


def _has_cyrillic(text: str) -> bool:
    return any("а" <= ch.lower() <= "я" or ch.lower() == "ё" for ch in text)


def products() -> list[dict]:
    """The demo products as plain values, in a stable order (article, name, group...)."""
    rows = []
    for prefix, name, group, series, variants, packs, per_litre in LINES:
        for number, variant in enumerate(variants, start=1):
            for volume, label, unit in packs:
                volume = Decimal(str(volume))
                bulk = unit != PIECE  # a drum or a bucket is sold by the litre or the kilo
                base = Decimal(per_litre) * (Decimal("0.82") if volume >= 20 else 1)
                price = base if bulk else base * volume + Decimal(40)
                variant_code = f"V{number}" if _has_cyrillic(variant) else _code(variant)
                rows.append(
                    {
                        "sku": f"{prefix}-{variant_code}-{_code(label)}",
                        "name": f"{name.format(v=variant)}, {label}",
                        "group": group,
                        "series": series,
                        "unit": unit,
                        "price": price.quantize(Decimal("1"), rounding=ROUND_HALF_UP),
                    }
                )
    return rows


def seed(*, scale: str) -> dict[str, int]:
    """Create or update the demo catalogue; a second run changes nothing."""
    groups: dict[str, ProductGroup] = {}
    for order, (code, name, parent) in enumerate(GROUPS):
        groups[code], _ = ProductGroup.objects.update_or_create(
            external_code=code,
            defaults={"name": name, "parent": groups.get(parent), "sort_order": order * 10},
        )
    brands: dict[str, Brand] = {}
    for code, name, parent in BRANDS:
        brands[code], _ = Brand.objects.update_or_create(
            external_code=code, defaults={"name": name, "parent": brands.get(parent)}
        )
    series: dict[str, Series] = {}
    for code, name, brand in SERIES:
        series[code], _ = Series.objects.update_or_create(
            external_code=code, defaults={"name": name, "brand": brands[brand]}
        )
    units = seed_units()  # also when the refs demo has not run
    lists = [
        (
            PriceList.objects.update_or_create(
                external_code=code,
                defaults={"name": name, "valid_from": PERIOD[0], "valid_to": PERIOD[1]},
            )[0],
            factor,
        )
        for code, name, factor in PRICE_LISTS
    ]
    rows = products()
    for row in rows:
        line = series[row["series"]]
        product, _ = Product.objects.update_or_create(
            sku=row["sku"],
            defaults={
                "name": row["name"],
                "group": groups[row["group"]],
                "brand": line.brand,
                "series": line,
                "unit": units[row["unit"]],
                "external_code": f"P-{row['sku']}",
            },
        )
        for price_list, factor in lists:
            price = (row["price"] * factor).quantize(Decimal("1"), rounding=ROUND_HALF_UP)
            PriceListItem.objects.update_or_create(
                price_list=price_list, product=product, defaults={"price": price}
            )
    return {
        "product_groups": len(groups),
        "brands": len(brands),
        "series": len(series),
        "products": len(rows),
        "price_lists": len(lists),
        "price_list_items": len(rows) * len(lists),
    }

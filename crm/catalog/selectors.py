"""Reads of the catalogue used by several pages: the group tree, choices, search, prices."""

from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db import connection
from django.db.models import Q
from django.utils import formats

from crm.catalog.models import Brand, Currency, PriceListItem, Product, ProductGroup, Series
from crm.core import access, memo

CHOICES_TTL = 60  # catalogue choices in filters and forms: a new value shows within a minute
CURRENCY_SIGNS = {Currency.RUB: "₽", Currency.USD: "$", Currency.EUR: "€", Currency.CNY: "¥"}


@dataclass(frozen=True)
class TreeNode:
    """One group in tree order, with its depth (0 for a top-level group)."""

    group: ProductGroup
    depth: int


def group_tree(queryset=None) -> list[TreeNode]:
    """Every group (of ``queryset``) in tree order: each parent followed by its subgroups."""
    groups = list(queryset if queryset is not None else ProductGroup.objects.all())
    children: dict[int | None, list[ProductGroup]] = {}
    known = {group.pk for group in groups}
    for group in groups:
        parent = group.parent_id if group.parent_id in known else None
        children.setdefault(parent, []).append(group)
    nodes: list[TreeNode] = []
    stack = [(group, 0) for group in reversed(children.get(None, []))]
    placed = set()
    while stack:
        group, depth = stack.pop()
        if group.pk in placed:
            continue
        placed.add(group.pk)
        nodes.append(TreeNode(group, depth))
        stack.extend((child, depth + 1) for child in reversed(children.get(group.pk, [])))
    return nodes


def group_descendant_ids(group_id: int) -> list[int]:
    """The group and all its subgroups, at any depth (one recursive query)."""
    table = ProductGroup._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH RECURSIVE tree(id) AS (
                SELECT id FROM {table} WHERE id = %s
                UNION
                SELECT g.id FROM {table} g JOIN tree t ON g.parent_id = t.id
            )
            SELECT id FROM tree
            """,  # noqa: S608 (the table name is ours, the id a parameter)
            [group_id],
        )
        return [row[0] for row in cursor.fetchall()]


def _cached(key: str, build):
    return memo.remembered(key, CHOICES_TTL, lambda: tuple(build()))


def indented(node: TreeNode) -> str:
    return "\u2003" * node.depth + node.group.name


def group_choices() -> tuple[tuple[int, str], ...]:
    """(id, name indented by depth) of the active groups, in tree order."""

    def build():
        groups = ProductGroup.objects.filter(is_active=True).only("pk", "name", "parent_id")
        return [(node.group.pk, indented(node)) for node in group_tree(groups)]

    return _cached("choices:catalog.group", build)


def brand_choices() -> tuple[tuple[int, str], ...]:
    """(id, name) of active brands, sub-brands after their brand ("Brand / Sub-brand")."""

    def build():
        brands = list(Brand.objects.filter(is_active=True).only("pk", "name", "parent_id"))
        names = {brand.pk: brand.name for brand in brands}
        labelled = [
            (brand.pk, f"{names[brand.parent_id]} / {brand.name}")
            if brand.parent_id in names
            else (brand.pk, brand.name)
            for brand in brands
        ]
        return sorted(labelled, key=lambda item: item[1].upper())

    return _cached("choices:catalog.brand", build)


def series_choices() -> tuple[tuple[int, str], ...]:
    """(id, "Brand · Series") of active series: series names repeat across brands."""

    def build():
        rows = (
            Series.objects.filter(is_active=True)
            .order_by("brand__name", "name")
            .values_list("pk", "brand__name", "name")
        )
        return [(pk, f"{brand} · {name}") for pk, brand, name in rows]

    return _cached("choices:catalog.series", build)


def brand_with_sub_brand_ids(brand_id: int) -> list[int]:
    """A brand and its sub-brands (any depth): filtering by a brand includes its sub-brands."""
    table = Brand._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            WITH RECURSIVE tree(id) AS (
                SELECT id FROM {table} WHERE id = %s
                UNION
                SELECT b.id FROM {table} b JOIN tree t ON b.parent_id = t.id
            )
            SELECT id FROM tree
            """,  # noqa: S608 (the table name is ours, the id a parameter)
            [brand_id],
        )
        return [row[0] for row in cursor.fetchall()]


def product_search(queryset, text: str, user):
    """Find products by name (any part), article (its beginning) or barcode (exact), in the
    fields the user may see."""
    visible = access.visible_fields(user, Product)
    text = " ".join(text.split())
    condition = Q(pk__in=[])
    if "name" in visible:
        condition |= Q(name__icontains=text)
    if "sku" in visible:
        condition |= Q(sku__istartswith=text)
    if "barcode" in visible and text.isdigit() and 8 <= len(text) <= 14:
        condition |= Q(barcode=text)
    return queryset.filter(condition)


def money(value, currency: str = Currency.RUB) -> str:
    """A price as people read it: 1 234,50 ₽."""
    if value is None:
        return ""
    amount = formats.number_format(value, 2, use_l10n=True, force_grouping=True)
    return f"{amount}\u00a0{CURRENCY_SIGNS.get(currency, currency)}"


def price_list_page(user, price_list, *, text: str = "", page: str = "1", size: int = 50) -> dict:
    """One page of a price list's items (optionally found by product name or article), with
    prices formatted in the list's currency."""
    items = (
        PriceListItem.objects.restrict(user)
        .filter(price_list=price_list)
        .select_related("product__unit")
        .order_by("product__name", "pk")
    )
    text = " ".join(text.split())
    if text:
        items = items.filter(Q(product__name__icontains=text) | Q(product__sku__istartswith=text))
    paginator = Paginator(items, size)
    current = paginator.get_page(page)
    return {
        "items_page": current,
        "items": [
            {"item": item, "price": money(item.price, price_list.currency)}
            for item in current.object_list
        ],
        "items_text": text,
        "can_change_items": user.has_perm("catalog.change_pricelistitem"),
        "can_add_items": user.has_perm("catalog.add_pricelistitem"),
        "can_delete_items": user.has_perm("catalog.delete_pricelistitem"),
    }

"""Catalogue pages: declarations over crm.core.generic."""

from django.contrib import messages
from django.db.models import Count, Prefetch, ProtectedError
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.catalog import filtersets, forms, selectors, services, tables
from crm.catalog.models import Brand, PriceList, PriceListItem, Product, ProductGroup, Series
from crm.core import access, generic, records
from crm.core.generic import ScopedView

RELATED_LIMIT = 200  # rows shown in a card's tab; the full list is one click away
ITEMS_PAGE = 50


def _related(view, queryset, table_class, *, more_url=None):
    """A card tab listing related records (crm.core.generic) in the catalogue's template."""
    return {
        "tab_template": "catalog/includes/tab_related.html",
        **view.related(queryset, table_class, more_url=more_url, limit=RELATED_LIMIT),
    }


def _add_url(user, permission: str, url: str) -> str | None:
    """The URL of an "add" button, for users who may add."""
    return url if user.has_perm(permission) else None


class CatalogDeleteView(generic.ObjectDeleteView):
    """Delete after confirmation; a record still in use is kept and the user told why."""

    def post(self, request, pk):
        try:
            return super().post(request, pk)
        except ProtectedError:
            obj = access.get_for_user(self.model._default_manager.all(), request.user, pk=pk)
            messages.error(
                request,
                _(
                    "“%(name)s” is still used by other records and cannot be deleted. "
                    "Make it inactive instead."
                )
                % {"name": obj},
            )
            return redirect(obj.get_absolute_url())


# --- products ---------------------------------------------------------------------------------


class ProductListView(generic.ObjectListView):
    model = Product
    table = tables.ProductTable
    filterset = filtersets.ProductFilterSet
    create_url = reverse_lazy("catalog:product_create")
    bulk_actions = False

    def search(self, queryset, text):
        return selectors.product_search(queryset, text, self.request.user)

    def search_placeholder(self):
        return _("Name, article or barcode")


PRODUCT_SECTIONS = [
    (gettext_lazy("Product"), ["sku", "name", "group", "unit", "barcode", "is_active"]),
    (gettext_lazy("Brand"), ["brand", "series"]),
    (gettext_lazy("More"), ["description", "external_code"]),
]


class ProductDetailView(generic.ObjectDetailView):
    model = Product
    template_name = "catalog/product_detail.html"
    select_related = ("group", "brand", "series", "unit")
    sections = PRODUCT_SECTIONS

    def tabs(self, obj):
        return [
            ("overview", _("Overview")),
            ("prices", _("Prices")),
            ("history", _("History")),
        ]

    def extra_context(self, obj, tab):
        if tab != "prices":
            return {}
        user = self.request.user
        items = (
            PriceListItem.objects.restrict(user)
            .filter(product=obj)
            .select_related("price_list")
            .order_by("price_list__name", "pk")
        )
        changeable = user.has_perm("catalog.change_pricelistitem")
        return {
            "tab_template": "catalog/includes/tab_prices.html",
            "prices": [
                {
                    "item": item,
                    "price": selectors.money(item.price, item.price_list.currency),
                    "can_change": changeable,
                }
                for item in items[:RELATED_LIMIT]
            ],
        }


class ProductEditView(generic.ObjectEditView):
    model = Product
    form_class = forms.ProductForm
    sections = PRODUCT_SECTIONS

    def get_initial(self):
        initial = {}
        for name in ("group", "brand", "series"):
            value = self.request.GET.get(name, "")
            if value.isdigit():
                initial[name] = value
        return initial


class ProductArchiveView(ScopedView):
    """Make a product inactive (archive) or active again (POST only)."""

    model = Product
    action = "change"
    http_method_names = ["post"]

    def post(self, request, pk):
        product = access.get_for_user(Product.objects.all(), request.user, "change", pk=pk)
        archived = request.POST.get("archived") == "1"
        try:
            services.catalog_record_set_active(request.user, product, active=not archived)
        except records.RecordError as error:
            messages.error(request, error.message)
        else:
            messages.success(
                request, _("Archived.") if archived else _("Restored from the archive.")
            )
        return redirect(product.get_absolute_url())


class ProductDeleteView(CatalogDeleteView):
    model = Product
    success_url_name = "catalog:product_list"


# --- product groups ---------------------------------------------------------------------------


class ProductGroupListView(ScopedView):
    """The group tree, each group indented under its parent, with its number of products.

    Groups are a few hundred at most, so the whole tree is one page (no paging or filters).
    """

    model = ProductGroup
    template_name = "catalog/productgroup_list.html"

    def get(self, request):
        show_inactive = request.GET.get("active") == "all"
        groups = self.scoped().only(
            "pk", "name", "parent_id", "sort_order", "is_active", "external_code"
        )
        if not show_inactive:
            groups = groups.filter(is_active=True)
        counts = dict(
            access.restrict(Product.objects.all(), request.user)
            .filter(is_active=True)
            .order_by()
            .values_list("group_id")
            .annotate(n=Count("pk"))
        )
        nodes = [
            {"node": node, "indent": min(node.depth, 8), "products": counts.get(node.group.pk, 0)}
            for node in selectors.group_tree(groups)
        ]
        can = request.user.has_perm
        context = {
            "opts": self.opts,
            "nodes": nodes,
            "show_inactive": show_inactive,
            "can_add": can("catalog.add_productgroup"),
            "can_view_products": can("catalog.view_product"),
        }
        return render(request, self.template_name, context)


GROUP_SECTIONS = [
    (gettext_lazy("Group"), ["name", "parent", "sort_order", "is_active", "external_code"]),
]


class ProductGroupDetailView(generic.ObjectDetailView):
    model = ProductGroup
    select_related = ("parent",)
    sections = GROUP_SECTIONS

    def tabs(self, obj):
        return [
            ("overview", _("Overview")),
            ("subgroups", _("Subgroups")),
            ("products", _("Products")),
            ("history", _("History")),
        ]

    def extra_context(self, obj, tab):
        if tab == "subgroups":
            groups = ProductGroup.objects.filter(parent=obj)
            return {
                "tab_template": "catalog/includes/tab_links.html",
                "links": list(access.restrict(groups, self.request.user)[:RELATED_LIMIT]),
                "add_url": _add_url(
                    self.request.user,
                    "catalog.add_productgroup",
                    reverse("catalog:productgroup_create") + f"?parent={obj.pk}",
                ),
                "add_label": _("Add a subgroup"),
                "empty": _("No subgroups."),
            }
        if tab == "products":
            ids = selectors.group_descendant_ids(obj.pk)
            return _related(
                self,
                Product.objects.filter(group_id__in=ids, is_active=True),
                tables.ProductTable,
                more_url=reverse("catalog:product_list") + f"?group={obj.pk}",
            )
        return {}


class ProductGroupEditView(generic.ObjectEditView):
    model = ProductGroup
    form_class = forms.ProductGroupForm

    def get_initial(self):
        parent = self.request.GET.get("parent", "")
        return {"parent": parent} if parent.isdigit() else {}


class ProductGroupDeleteView(CatalogDeleteView):
    model = ProductGroup
    success_url_name = "catalog:productgroup_list"


# --- brands and series ------------------------------------------------------------------------


class BrandListView(generic.ObjectListView):
    model = Brand
    table = tables.BrandTable
    filterset = filtersets.BrandFilterSet
    create_url = reverse_lazy("catalog:brand_create")
    bulk_actions = False

    def scoped(self, action=None):
        series = Series.objects.restrict(self.request.user).filter(is_active=True)
        series = series.only("pk", "brand_id", "name")
        return super().scoped(action).prefetch_related(Prefetch("series", queryset=series))

    def search(self, queryset, text):
        return queryset.filter(name__icontains=text)

    def search_placeholder(self):
        return _("Name")


class BrandDetailView(generic.ObjectDetailView):
    model = Brand
    select_related = ("parent",)
    sections = [
        (gettext_lazy("Brand"), ["name", "parent", "is_active", "external_code"]),
        (gettext_lazy("More"), ["description"]),
    ]

    def tabs(self, obj):
        return [
            ("overview", _("Overview")),
            ("series", _("Series")),
            ("sub_brands", _("Sub-brands")),
            ("products", _("Products")),
            ("history", _("History")),
        ]

    def extra_context(self, obj, tab):
        user = self.request.user
        if tab == "series":
            return {
                "tab_template": "catalog/includes/tab_links.html",
                "links": list(Series.objects.restrict(user).filter(brand=obj)[:RELATED_LIMIT]),
                "add_url": _add_url(
                    self.request.user,
                    "catalog.add_series",
                    reverse("catalog:series_create") + f"?brand={obj.pk}",
                ),
                "add_label": _("Add a series"),
                "empty": _("No series."),
            }
        if tab == "sub_brands":
            return {
                "tab_template": "catalog/includes/tab_links.html",
                "links": list(Brand.objects.restrict(user).filter(parent=obj)[:RELATED_LIMIT]),
                "add_url": _add_url(
                    self.request.user,
                    "catalog.add_brand",
                    reverse("catalog:brand_create") + f"?parent={obj.pk}",
                ),
                "add_label": _("Add a sub-brand"),
                "empty": _("No sub-brands."),
            }
        if tab == "products":
            ids = selectors.brand_with_sub_brand_ids(obj.pk)
            return _related(
                self,
                Product.objects.filter(brand_id__in=ids, is_active=True),
                tables.ProductTable,
                more_url=reverse("catalog:product_list") + f"?brand={obj.pk}",
            )
        return {}


class BrandEditView(generic.ObjectEditView):
    model = Brand
    form_class = forms.BrandForm

    def get_initial(self):
        parent = self.request.GET.get("parent", "")
        return {"parent": parent} if parent.isdigit() else {}


class BrandDeleteView(CatalogDeleteView):
    model = Brand
    success_url_name = "catalog:brand_list"


class SeriesListView(generic.ObjectListView):
    model = Series
    table = tables.SeriesTable
    filterset = filtersets.SeriesFilterSet
    create_url = reverse_lazy("catalog:series_create")
    bulk_actions = False

    def search(self, queryset, text):
        return queryset.filter(name__icontains=text)

    def search_placeholder(self):
        return _("Name")


class SeriesDetailView(generic.ObjectDetailView):
    model = Series
    select_related = ("brand",)
    sections = [(gettext_lazy("Series"), ["name", "brand", "is_active", "external_code"])]

    def tabs(self, obj):
        return [("overview", _("Overview")), ("products", _("Products")), ("history", _("History"))]

    def extra_context(self, obj, tab):
        if tab == "products":
            return _related(
                self,
                Product.objects.filter(series=obj, is_active=True),
                tables.ProductTable,
                more_url=reverse("catalog:product_list") + f"?series={obj.pk}",
            )
        return {}


class SeriesEditView(generic.ObjectEditView):
    model = Series
    form_class = forms.SeriesForm

    def get_initial(self):
        brand = self.request.GET.get("brand", "")
        return {"brand": brand} if brand.isdigit() else {}


class SeriesDeleteView(CatalogDeleteView):
    model = Series
    success_url_name = "catalog:series_list"


# --- price lists ------------------------------------------------------------------------------


class PriceListListView(generic.ObjectListView):
    model = PriceList
    table = tables.PriceListTable
    filterset = filtersets.PriceListFilterSet
    create_url = reverse_lazy("catalog:pricelist_create")
    bulk_actions = False

    def scoped(self, action=None):
        return super().scoped(action).annotate(item_count=Count("items"))

    def search(self, queryset, text):
        return queryset.filter(name__icontains=text)

    def search_placeholder(self):
        return _("Name")


PRICE_LIST_SECTIONS = [
    (gettext_lazy("Price list"), ["name", "currency", "valid_from", "valid_to", "is_active"]),
    (gettext_lazy("More"), ["description", "external_code"]),
]


class PriceListDetailView(generic.ObjectDetailView):
    model = PriceList
    sections = PRICE_LIST_SECTIONS

    def tabs(self, obj):
        return [("overview", _("Overview")), ("items", _("Prices")), ("history", _("History"))]

    def extra_context(self, obj, tab):
        if tab != "items":
            return {}
        return {
            "tab_template": "catalog/includes/tab_items.html",
            **selectors.price_list_page(
                self.request.user,
                obj,
                text=self.request.GET.get("q", ""),
                page=self.request.GET.get("page", "1"),
                size=ITEMS_PAGE,
            ),
        }


class PriceListEditView(generic.ObjectEditView):
    model = PriceList
    form_class = forms.PriceListForm
    sections = PRICE_LIST_SECTIONS


class PriceListDeleteView(CatalogDeleteView):
    model = PriceList
    success_url_name = "catalog:pricelist_list"


class PriceListItemEditView(generic.ObjectEditView):
    model = PriceListItem
    form_class = forms.PriceListItemForm
    list_url_name = "catalog:pricelist_list"

    def get_initial(self):
        initial = {}
        for name in ("price_list", "product"):
            value = self.request.GET.get(name, "")
            if value.isdigit():
                initial[name] = value
        return initial


class PriceListItemDeleteView(CatalogDeleteView):
    model = PriceListItem
    list_url_name = "catalog:pricelist_list"

    def get_success_url(self, obj):
        return obj.get_absolute_url()

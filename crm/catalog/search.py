"""Products in the global search (crm.core.search), through the same selector as their list."""

from django.utils.translation import gettext_lazy as _

from crm.catalog import selectors
from crm.catalog.models import Product
from crm.core import access, search
from crm.core.search import Hit, Kind, field_text, joined


def find_products(queryset, query, user):
    if query.kind in (Kind.PHONE, Kind.EMAIL):
        return None
    return selectors.product_search(queryset, query.text, user)


def show_product(product, user) -> Hit:
    visible = access.visible_fields(user, Product)
    name = field_text(product, "name", visible)
    sku = field_text(product, "sku", visible)
    return Hit(
        title=name or sku or _("Product #%(pk)s") % {"pk": product.pk},
        subtitle=joined(sku if name else "", field_text(product, "barcode", visible)),
        url=product.get_absolute_url(),
    )


search.register(
    search.Searchable(
        key="products",
        model=Product,
        label=_("Products"),
        find=find_products,
        show=show_product,
        list_url_name="catalog:product_list",
        order=40,
        staff_only=True,
    )
)

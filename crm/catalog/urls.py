"""Catalogue pages: products, product groups, brands, series, price lists."""

from django.urls import path

from crm.catalog import views
from crm.catalog.models import Product
from crm.core.generic import SectionIndexView

app_name = "catalog"


def _record_routes(prefix: str, name: str, list_view, detail, edit, delete):
    """list, new, card, edit and delete routes of one model."""
    return [
        path(f"{prefix}/", list_view.as_view(), name=f"{name}_list"),
        path(f"{prefix}/new/", edit.as_view(), name=f"{name}_create"),
        path(f"{prefix}/<int:pk>/", detail.as_view(), name=f"{name}_detail"),
        path(f"{prefix}/<int:pk>/edit/", edit.as_view(), name=f"{name}_edit"),
        path(f"{prefix}/<int:pk>/delete/", delete.as_view(), name=f"{name}_delete"),
    ]


urlpatterns = [
    path(
        "",
        SectionIndexView.as_view(model=Product, pattern_name="catalog:product_list"),
        name="index",
    ),
    *_record_routes(
        "products",
        "product",
        views.ProductListView,
        views.ProductDetailView,
        views.ProductEditView,
        views.ProductDeleteView,
    ),
    path("products/<int:pk>/archive/", views.ProductArchiveView.as_view(), name="product_archive"),
    *_record_routes(
        "groups",
        "productgroup",
        views.ProductGroupListView,
        views.ProductGroupDetailView,
        views.ProductGroupEditView,
        views.ProductGroupDeleteView,
    ),
    *_record_routes(
        "brands",
        "brand",
        views.BrandListView,
        views.BrandDetailView,
        views.BrandEditView,
        views.BrandDeleteView,
    ),
    *_record_routes(
        "series",
        "series",
        views.SeriesListView,
        views.SeriesDetailView,
        views.SeriesEditView,
        views.SeriesDeleteView,
    ),
    *_record_routes(
        "price-lists",
        "pricelist",
        views.PriceListListView,
        views.PriceListDetailView,
        views.PriceListEditView,
        views.PriceListDeleteView,
    ),
    path(
        "price-list-items/new/",
        views.PriceListItemEditView.as_view(),
        name="pricelistitem_create",
    ),
    path(
        "price-list-items/<int:pk>/edit/",
        views.PriceListItemEditView.as_view(),
        name="pricelistitem_edit",
    ),
    path(
        "price-list-items/<int:pk>/delete/",
        views.PriceListItemDeleteView.as_view(),
        name="pricelistitem_delete",
    ),
]

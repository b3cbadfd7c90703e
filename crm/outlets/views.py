"""Outlet pages: declarations over crm.core.generic, plus equipment rows and photos."""

from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.clients import requisites
from crm.clients.models import Contact, Organisation
from crm.clients.tables import ContactTable
from crm.core import access, generic, records
from crm.core.generic import ScopedView
from crm.core.generic.statements import SearchPlan
from crm.outlets import filtersets, forms, services, tables
from crm.outlets.models import Outlet, OutletEquipment, OutletPhoto
from integrations.geocoding.models import Precision

RELATED_LIMIT = 200


class OutletListView(generic.ObjectListView):
    model = Outlet
    table = tables.OutletTable
    filterset = filtersets.OutletFilterSet
    remember_statement = True  # its filters and search read neither the database nor the clock
    create_url = reverse_lazy("outlets:outlet_create")

    def search_plan(self, text):
        shape, values = services.outlet_search_parameters(text, self.request.user)
        return SearchPlan(shape, values, services.outlet_search_with)

    def search_placeholder(self):
        return _("Name or address")

    def list_note(self):
        dealer_id = self.request.GET.get("dealer", "")
        if not dealer_id.isdigit():
            return None
        dealer = (
            Organisation.objects.restrict(self.request.user)
            .filter(pk=dealer_id)
            .values_list("name", flat=True)
            .first()
        )
        query = self.request.GET.copy()
        query.pop("dealer")
        return {
            "text": _("Outlets of the dealer “%(name)s”.") % {"name": dealer or "—"},
            "clear_url": f"{self.request.path}?{query.urlencode()}",
        }


SECTIONS = [
    (gettext_lazy("Main"), ["name", "dealer", "format", "status", "owner", "org_unit", "brands"]),
    (
        gettext_lazy("Address"),
        ["address", "region", "latitude", "longitude", "phone", "opening_hours"],
    ),
    (gettext_lazy("Merchandising"), ["area_sqm", "shelf_share", "pos_materials"]),
    (gettext_lazy("More"), ["erp_key", "notes"]),
]


def _brands(outlet) -> str:
    return ", ".join(brand.name for brand in outlet.brands.all())


class OutletDetailView(generic.ObjectDetailView):
    model = Outlet
    template_name = "outlets/outlet_detail.html"
    select_related = ("dealer", "format", "region", "owner", "org_unit")
    sections = SECTIONS
    displays = {
        "phone": lambda o: requisites.format_phone(o.phone) if o.phone else "",
        "brands": _brands,
    }

    def tabs(self, obj):
        return [
            ("overview", _("Overview")),
            ("contacts", _("Contacts")),
            ("merchandising", _("Equipment")),
            ("photos", _("Photos")),
            ("history", _("History")),
        ]

    def extra_context(self, obj, tab):
        user = self.request.user
        can_change = self.can(obj, "change")
        context = {"tab_template": f"outlets/includes/tab_{tab}.html"}
        if tab == "contacts":
            context.update(self.related(Contact.objects.filter(outlets=obj), ContactTable))
        elif tab == "merchandising":
            context["equipment"] = list(obj.equipment.restrict(user)[:RELATED_LIMIT])
            if can_change and user.has_perm("outlets.add_outletequipment"):
                context["equipment_form"] = forms.EquipmentForm()
            context["can_change_equipment"] = can_change and user.has_perm(
                "outlets.delete_outletequipment"
            )
        elif tab == "photos":
            context["photos"] = list(obj.photos.restrict(user).select_related("uploaded_by"))
            if can_change and user.has_perm("outlets.add_outletphoto"):
                context["photo_form"] = forms.PhotoForm()
            context["can_delete_photo"] = can_change and user.has_perm("outlets.delete_outletphoto")
        return context


class OutletEditView(generic.ObjectEditView):
    model = Outlet
    form_class = forms.OutletForm
    sections = SECTIONS

    def get_initial(self):
        dealer = self.request.GET.get("dealer", "")
        return {"dealer": dealer} if dealer.isdigit() else {}

    def defaults(self):
        user = self.request.user
        return {
            "owner": user,
            "org_unit_id": user.position.org_unit_id if user.position_id else None,
        }

    def save(self, form, obj):
        """A point entered by hand is marked so (the geocoder then leaves it alone until the
        address changes); a changed address is located by the geocoder (models' signal)."""
        stored = Outlet.objects.filter(pk=getattr(obj, "pk", None))
        before = stored.values_list("latitude", "longitude").first() or (None, None)
        saved = super().save(form, obj)
        point = (saved.latitude, saved.longitude)
        if point != before and None not in point:
            Outlet.objects.filter(pk=saved.pk).update(geo_precision=Precision.MANUAL)
            saved.geo_precision = Precision.MANUAL
        return saved


class OutletArchiveView(generic.ObjectArchiveView):
    model = Outlet


class OutletDeleteView(generic.ObjectDeleteView):
    model = Outlet
    success_url_name = "outlets:outlet_list"


class OutletBulkEditView(generic.BulkEditView):
    model = Outlet
    form_class = forms.OutletBulkForm
    list_url_name = "outlets:outlet_list"


class OutletReassignView(generic.BulkReassignView):
    model = Outlet
    form_class = forms.OutletReassignForm
    list_url_name = "outlets:outlet_list"


# --- equipment and photos: rows of an outlet the user may change ---------------------------


def _tab_url(outlet, tab: str) -> str:
    return reverse("outlets:outlet_detail", args=[outlet.pk]) + f"?tab={tab}"


class EquipmentAddView(ScopedView):
    model = OutletEquipment
    action = "add"
    http_method_names = ["post"]

    def post(self, request, pk):
        outlet = access.get_for_user(Outlet.objects.all(), request.user, "change", pk=pk)
        form = forms.EquipmentForm(request.POST)
        if form.is_valid():
            records.record_create(
                request.user, OutletEquipment, data={**form.cleaned_data, "outlet": outlet}
            )
            messages.success(request, _("Saved."))
        else:
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
        return redirect(_tab_url(outlet, "merchandising"))


class EquipmentDeleteView(ScopedView):
    model = OutletEquipment
    action = "delete"
    http_method_names = ["post"]

    def post(self, request, pk):
        row = access.get_for_user(OutletEquipment.objects.all(), request.user, "delete", pk=pk)
        outlet = row.outlet
        with transaction.atomic():
            records.record_delete(request.user, row)
        messages.success(request, _("Deleted."))
        return redirect(_tab_url(outlet, "merchandising"))


class PhotoUploadView(ScopedView):
    model = OutletPhoto
    action = "add"
    http_method_names = ["post"]

    def post(self, request, pk):
        outlet = access.get_for_user(Outlet.objects.all(), request.user, "change", pk=pk)
        form = forms.PhotoForm(request.POST, request.FILES)
        if form.is_valid():
            services.photo_add(
                request.user, outlet, form.cleaned_data["image"], form.cleaned_data["caption"]
            )
            messages.success(request, _("The photo is uploaded."))
        else:
            for errors in form.errors.values():
                for error in errors:
                    messages.error(request, error)
        return redirect(_tab_url(outlet, "photos"))


class PhotoView(ScopedView):
    """The photo file, only to users who may see its outlet (never a public media URL)."""

    model = OutletPhoto

    def get(self, request, pk):
        photo = access.get_for_user(OutletPhoto.objects.all(), request.user, pk=pk)
        try:
            handle = photo.image.open("rb")
        except FileNotFoundError as missing:
            raise Http404 from missing
        response = FileResponse(handle, content_type=photo.content_type)
        response["Cache-Control"] = "private, max-age=3600"
        response["X-Content-Type-Options"] = "nosniff"
        return response


class PhotoDeleteView(ScopedView):
    model = OutletPhoto
    action = "delete"
    http_method_names = ["post"]

    def post(self, request, pk):
        photo = access.get_for_user(OutletPhoto.objects.all(), request.user, "delete", pk=pk)
        outlet = photo.outlet
        services.photo_delete(request.user, photo)
        messages.success(request, _("Deleted."))
        return redirect(_tab_url(outlet, "photos"))

"""The outlet form and the forms of its merchandising rows."""

from django import forms
from django.utils.translation import gettext_lazy as _

from crm.clients import selectors
from crm.clients.forms import PhoneField, dealer_picker
from crm.clients.models import Contact
from crm.core.forms import (
    BulkEditForm,
    OwnerReassignForm,
    RecordForm,
    StyledFormMixin,
    offer_staff_only,
)
from crm.outlets.models import Outlet, OutletEquipment

PHOTO_TYPES = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp"}
PHOTO_MAX_BYTES = 10 * 1024 * 1024


class OutletForm(RecordForm):
    phone = PhoneField(label=_("Phone"), required=False)

    class Meta:
        model = Outlet
        fields = [
            "dealer",
            "name",
            "format",
            "status",
            "brands",
            "address",
            "latitude",
            "longitude",
            "region",
            "org_unit",
            "owner",
            "contacts",
            "phone",
            "opening_hours",
            "area_sqm",
            "shelf_share",
            "pos_materials",
            "erp_key",
            "notes",
        ]
        widgets = {
            "notes": forms.Textarea(attrs={"rows": 3}),
            "pos_materials": forms.Textarea(attrs={"rows": 2}),
            "brands": forms.SelectMultiple(attrs={"size": 6}),
            "contacts": forms.SelectMultiple(attrs={"size": 4}),
            "dealer": dealer_picker(),
        }

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        if "dealer" in self.fields and user is not None:
            self.fields["dealer"].queryset = selectors.dealer_choices(user).only("pk", "name")
        offer_staff_only(self, "owner")
        if "contacts" in self.fields:
            # The dealer's own contacts; a new outlet gets them after its dealer is saved.
            dealer_id = self.instance.dealer_id if self.instance.pk else None
            contacts = Contact.objects.none()
            if dealer_id and user is not None:
                contacts = Contact.objects.restrict(user).filter(organisation_id=dealer_id)
            self.fields["contacts"].queryset = contacts


class EquipmentForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = OutletEquipment
        fields = ["name", "quantity", "installed_on", "note"]
        widgets = {"installed_on": forms.DateInput(attrs={"type": "date"})}


class PhotoForm(StyledFormMixin, forms.Form):
    image = forms.FileField(label=_("Photo"))
    caption = forms.CharField(label=_("Caption"), max_length=300, required=False)

    def clean_image(self):
        upload = self.cleaned_data["image"]
        if upload.size > PHOTO_MAX_BYTES:
            raise forms.ValidationError(_("The photo is larger than 10 MB."))
        head = upload.read(16)
        upload.seek(0)
        kind = _sniff(head)
        if kind is None:
            raise forms.ValidationError(_("Upload a JPEG, PNG or WebP photo."))
        upload.sniffed_type = kind
        return upload


def _sniff(head: bytes) -> str | None:
    """The image type from its first bytes (the browser's Content-Type is not trusted)."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    return None


class OutletBulkForm(BulkEditForm):
    class Meta:
        model = Outlet
        fields = ["status", "format", "region"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", "—"), *self.fields["status"].choices[1:]]


class OutletReassignForm(OwnerReassignForm):
    class Meta:
        model = Outlet
        fields = ["owner"]

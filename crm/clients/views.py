"""Pages of organisations, contacts and interactions: declarations over crm.core.generic."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse, reverse_lazy
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from crm.clients import autofill, filtersets, forms, requisites, selectors, services, tables
from crm.clients.merge_views import DuplicateWarningMixin
from crm.clients.models import DEALER_KINDS, BankAccount, Contact, Interaction, Organisation
from crm.core import access, generic, records
from crm.core.generic import ScopedView
from crm.core.generic.edit import apply_field_policy
from crm.core.generic.statements import SearchPlan
from integrations.dadata.client import DadataError


class OrganisationListView(generic.ObjectListView):
    model = Organisation
    table = tables.OrganisationTable
    filterset = filtersets.OrganisationFilterSet
    remember_statement = True  # its filters and search read neither the database nor the clock
    create_url = reverse_lazy("clients:organisation_create")

    def search_plan(self, text):
        shape, values = selectors.organisation_search_parameters(text, self.request.user)
        return SearchPlan(shape, values, selectors.organisation_search_with)

    def search_placeholder(self):
        visible = access.visible_fields(self.request.user, Organisation)
        if "inn" in visible and "phone" in visible:
            return _("Name, INN or phone")
        if "inn" in visible:
            return _("Name or INN")
        if "phone" in visible:
            return _("Name or phone")
        return _("Name")


class OrganisationDetailView(generic.ObjectDetailView):
    model = Organisation
    template_name = "clients/organisation_detail.html"
    select_related = ("region", "owner", "org_unit", "client_type", "category", "parent_dealer")
    displays = {"phone": lambda o: requisites.format_phone(o.phone, o.phone_ext) if o.phone else ""}
    sections = [
        (
            gettext_lazy("Main"),
            ["name", "kind", "status", "owner", "region", "org_unit", "client_type", "category"],
        ),
        (
            gettext_lazy("Requisites"),
            ["legal_name", "counterparty_type", "inn", "kpp", "ogrn", "legal_address"],
        ),
        (gettext_lazy("Contacts"), ["phone", "email", "website", "actual_address"]),
        (
            gettext_lazy("More"),
            ["parent_dealer", "holding", "sales_channel", "lead_source", "erp_key", "notes"],
        ),
    ]

    def tabs(self, obj):
        return [
            ("overview", _("Overview")),
            ("contacts", _("Contacts")),
            ("outlets", _("Outlets")),
            ("timeline", _("Interactions")),
            ("bank", _("Bank accounts")),
            ("history", _("History")),
        ]

    def extra_context(self, obj, tab):
        user = self.request.user
        context = {"tab_template": f"clients/includes/tab_{tab}.html"}
        if tab == "contacts":
            context.update(
                self.related(Contact.objects.filter(organisation=obj), tables.ContactTable)
            )
        elif tab == "outlets":
            from crm.outlets.models import Outlet
            from crm.outlets.tables import OutletTable

            more = reverse("outlets:outlet_list") + f"?dealer={obj.pk}"
            context.update(
                self.related(Outlet.objects.filter(dealer=obj), OutletTable, more_url=more)
            )
            if user.has_perm("outlets.add_outlet") and self.can(obj, "view"):
                context["related_add_url"] = reverse("outlets:outlet_create") + f"?dealer={obj.pk}"
        elif tab == "timeline":
            context["timeline"] = list(
                Interaction.objects.restrict(user)
                .filter(organisation=obj)
                .select_related("author", "contact")[:200]
            )
            context["changeable"] = set(
                Interaction.objects.restrict(user, "change")
                .filter(organisation=obj)
                .values_list("pk", flat=True)
            )
            if user.has_perm("clients.add_interaction") and self.can(obj, "view"):
                context["interaction_form"] = forms.InteractionForm(user=user, organisation=obj)
        elif tab == "bank":
            context["bank_accounts"] = list(obj.bank_accounts.restrict(user))
            context["can_change_bank"] = user.has_perm("clients.change_bankaccount") and self.can(
                obj, "change"
            )
        return context


class OrganisationEditView(DuplicateWarningMixin, generic.ObjectEditView):
    model = Organisation
    duplicates_base = "clients/organisation_edit.html"  # the duplicates warning extends it
    form_class = forms.OrganisationForm
    template_name = "clients/organisation_edit.html"
    sections = [
        *OrganisationDetailView.sections[:2],
        (gettext_lazy("Contacts"), ["phone", "phone_ext", "email", "website", "actual_address"]),
        OrganisationDetailView.sections[3],
    ]

    def defaults(self):
        user = self.request.user
        return {
            "owner": user,
            "org_unit_id": user.position.org_unit_id if user.position_id else None,
        }

    def render_form(self, form, obj, stale=None, **extra):
        editable = access.editable_fields(self.request.user, Organisation)
        extra.setdefault("autofill_enabled", bool(settings.DADATA_API_KEY) and "inn" in editable)
        return super().render_form(form, obj, stale, **extra)

    def post(self, request, *args, **kwargs):
        if "autofill" in request.POST:
            return self.autofill(request)
        return super().post(request, *args, **kwargs)

    def autofill(self, request):
        """Fill the form from DaData by the INN typed (and a KPP, to pick a branch); nothing is
        saved: the user checks the values and saves. A name already typed is kept."""
        obj = self.get_object()
        typed = request.POST.dict()
        kpp = request.POST.get("autofill") if request.POST.get("autofill") != "1" else ""
        result = {}
        try:
            result = autofill.organisation_autofill(
                request.user,
                typed.get("inn", "").strip(),
                (kpp or typed.get("kpp", "")).strip(),
                exclude_pk=obj.pk if obj else None,
            )
        except DadataError as error:
            result = autofill.autofill_error(error)
        for name, value in result.get("fields", {}).items():
            if name == "name" and typed.get("name", "").strip():
                continue
            typed[name] = "" if value is None else value
        typed.pop("autofill", None)
        form = self.form_class(
            instance=obj,
            user=request.user,
            initial={**(self.get_initial() if obj is None else {}), **typed},
        )
        apply_field_policy(form, request.user, self.model)
        return self.render_form(form, obj, autofill_result=result)


class OrganisationArchiveView(generic.ObjectArchiveView):
    model = Organisation


class OrganisationDeleteView(generic.ObjectDeleteView):
    model = Organisation
    success_url_name = "clients:organisation_list"


class OrganisationBulkEditView(generic.BulkEditView):
    model = Organisation
    form_class = forms.OrganisationBulkForm
    list_url_name = "clients:organisation_list"


class OrganisationReassignView(generic.BulkReassignView):
    model = Organisation
    form_class = forms.ReassignForm
    list_url_name = "clients:organisation_list"

    def apply(self, data):
        return services.organisations_reassign(
            self.request.user, pks=self.selected(), owner=data["owner"]
        )


def picked(organisations):
    """What a picker offers: organisations in work (an archived one stays on the records that
    have it, the form accepts it, but it is not offered), read as far as the picker shows
    them: name, INN and region's name."""
    return (
        organisations.filter(is_archived=False)
        .select_related("region")
        .only("pk", "name", "inn", "region__name")
    )


class OrganisationChoicesView(generic.ChoiceSearchView):
    """The picker of a contact's or bank account's organisation: those the user may change."""

    model = Organisation

    def choices(self):
        return picked(selectors.organisations_to_attach(self.request.user))

    def search(self, queryset, text):
        return selectors.organisation_search(queryset, text, self.request.user)

    @cached_property
    def describe(self):
        return selectors.organisation_detail(self.request.user)

    def detail(self, obj):
        return self.describe(obj)


class DealerChoicesView(OrganisationChoicesView):
    """The picker of a parent dealer (``?kind=dealer``) or of an outlet's dealer (dealers and
    sub-dealers)."""

    def choices(self):
        kind = self.request.GET.get("kind")
        kinds = (kind,) if kind in DEALER_KINDS else DEALER_KINDS
        return picked(selectors.dealer_choices(self.request.user, kinds))


class ContactListView(generic.ObjectListView):
    model = Contact
    table = tables.ContactTable
    filterset = filtersets.ContactFilterSet
    remember_statement = True  # its filters and search read neither the database nor the clock
    create_url = reverse_lazy("clients:contact_create")
    bulk_actions = False

    def search_plan(self, text):
        shape, values = selectors.contact_search_parameters(text, self.request.user)
        return SearchPlan(shape, values, selectors.contact_search_with)

    def search_placeholder(self):
        return _("Last name, e-mail or phone")


class ContactDetailView(generic.ObjectDetailView):
    model = Contact
    select_related = ("organisation",)
    displays = {
        "phone": lambda c: requisites.format_phone(c.phone, c.phone_ext) if c.phone else "",
        "mobile": lambda c: requisites.format_phone(c.mobile) if c.mobile else "",
    }
    sections = [
        (
            gettext_lazy("Contact"),
            ["organisation", "last_name", "first_name", "middle_name", "job_title"],
        ),
        (
            gettext_lazy("How to reach"),
            ["phone", "mobile", "email", "email_secondary", "mailing_consent"],
        ),
        (gettext_lazy("More"), ["notes"]),
    ]


class ContactEditView(DuplicateWarningMixin, generic.ObjectEditView):
    model = Contact
    form_class = forms.ContactForm
    sections = [
        (
            gettext_lazy("Contact"),
            ["organisation", "last_name", "first_name", "middle_name", "job_title"],
        ),
        (
            gettext_lazy("How to reach"),
            ["phone", "phone_ext", "mobile", "email", "email_secondary", "mailing_consent"],
        ),
    ]

    def save(self, form, obj):
        # The form has already copied the new values onto obj: read the stored consent.
        before = None
        if obj is not None:
            mine = Contact.objects.restrict(self.request.user, "change").filter(pk=obj.pk)
            stored = mine.values_list("mailing_consent", flat=True)
            before = stored.first()
        saved = super().save(form, obj)
        services.contact_note_consent(saved, before=before)
        return saved

    def get_initial(self):
        organisation = self.request.GET.get("organisation", "")
        return {"organisation": organisation} if organisation.isdigit() else {}


class ContactDeleteView(generic.ObjectDeleteView):
    model = Contact
    success_url_name = "clients:contact_list"


class BankAccountEditView(generic.ObjectEditView):
    model = BankAccount
    form_class = forms.BankAccountForm
    list_url_name = "clients:organisation_list"

    def get_initial(self):
        organisation = self.request.GET.get("organisation", "")
        return {"organisation": organisation} if organisation.isdigit() else {}


class BankAccountDeleteView(generic.ObjectDeleteView):
    model = BankAccount

    def get_success_url(self, obj):
        return obj.get_absolute_url()


class InteractionEditView(generic.ObjectEditView):
    """Only the author edits an interaction (the row rule says so)."""

    model = Interaction
    form_class = forms.InteractionForm


class InteractionDoneView(ScopedView):
    """Mark an interaction's next step done (from the home page or the timeline)."""

    model = Interaction
    action = "change"
    http_method_names = ["post"]

    def post(self, request, pk):
        item = access.get_for_user(Interaction.objects.all(), request.user, "change", pk=pk)
        try:
            records.record_update(
                request.user, item, data={"next_step_done": True}, expected_version=None
            )
            messages.success(request, _("Next step marked done."))
        except records.RecordError as error:
            messages.error(request, error.message)
        back = request.POST.get("next", "")
        if back.startswith("/") and not back.startswith("//"):
            return redirect(back)
        return redirect(item.get_absolute_url())


class InteractionListView(generic.ObjectListView):
    model = Interaction
    table = tables.InteractionTable
    filterset = filtersets.InteractionFilterSet
    remember_statement = True  # its SQL reads the date (next steps), which the key holds
    bulk_actions = False


class InteractionCreateView(ScopedView):
    """Log a call, e-mail, meeting or note on an organisation's card."""

    model = Interaction
    action = "add"
    http_method_names = ["post"]

    def post(self, request, pk):
        organisation = access.get_for_user(Organisation.objects.all(), request.user, pk=pk)
        form = forms.InteractionForm(request.POST, user=request.user, organisation=organisation)
        generic.apply_field_policy(form, request.user, Interaction)
        if form.is_valid():
            try:
                records.record_create(
                    request.user,
                    Interaction,
                    data=form.cleaned_data,
                    defaults={"organisation": organisation, "author": request.user},
                )
                messages.success(request, _("Interaction saved."))
            except records.RecordError as error:
                messages.error(request, error.message)
        else:
            errors = "; ".join(
                f"{form.fields[name].label if name in form.fields else ''}: {' '.join(msgs)}"
                for name, msgs in form.errors.items()
            )
            messages.error(
                request, _("The interaction was not saved: %(errors)s") % {"errors": errors}
            )
        return redirect(organisation.get_absolute_url() + "?tab=timeline")

"""Organisations and contacts in the global search (crm.core.search), through the same
selectors as their lists."""

from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _

from crm.clients import requisites, selectors
from crm.clients.models import Contact, Organisation
from crm.core import access, search
from crm.core.search import Hit, Kind, field_text, joined


def find_organisations(queryset, query, user):
    if query.kind == Kind.EMAIL:
        if "email" not in access.visible_fields(user, Organisation):
            return None
        # UPPER(email) is indexed (clients migration 0011).
        return queryset.annotate(upper_email=Upper("email")).filter(upper_email=query.text.upper())
    found = selectors.organisation_search(queryset, query.text, user)
    # An order no index serves: PostgreSQL collects the matches through the selective index
    # (trigram, INN prefix, scope columns) and sorts them. Ordered by name, it walks the name
    # index hoping to meet matches early: 0.1-0.4 s at 300k when they are rare in the scope.
    return found.order_by(Upper("name"), "pk")


def show_organisation(organisation, user) -> Hit:
    visible = access.visible_fields(user, Organisation)
    title = field_text(organisation, "name", visible) or _("Organisation #%(pk)s") % {
        "pk": organisation.pk
    }
    inn = field_text(organisation, "inn", visible)
    phone = organisation.phone_display if "phone" in visible else ""
    return Hit(
        title=title,
        subtitle=joined(inn and _("INN %(inn)s") % {"inn": inn}, phone),
        url=organisation.get_absolute_url(),
    )


def find_contacts(queryset, query, user):
    if query.kind == Kind.NUMBER and len(query.digits) < 10:  # a contact's numbers are phones
        return None
    return selectors.contact_search(queryset, query.text, user).select_related("organisation")


def show_contact(contact, user) -> Hit:
    visible = access.visible_fields(user, Contact)
    names = [field_text(contact, f, visible) for f in ("last_name", "first_name", "middle_name")]
    title = " ".join(name for name in names if name) or _("Contact #%(pk)s") % {"pk": contact.pk}
    phones = [getattr(contact, f) for f in ("mobile", "phone") if f in visible]
    phone = next((number for number in phones if number), "")
    # A contact is visible exactly where its organisation is (crm.clients.access).
    organisation = ""
    if user.has_perm(access.permission_name(Organisation, "view")):
        organisation = field_text(
            contact.organisation, "name", access.visible_fields(user, Organisation)
        )
    return Hit(
        title=title,
        subtitle=joined(
            organisation,
            field_text(contact, "job_title", visible),
            requisites.format_phone(phone) if phone else "",
            field_text(contact, "email", visible),
        ),
        url=contact.get_absolute_url(),
    )


search.register(
    search.Searchable(
        key="organisations",
        model=Organisation,
        label=_("Organisations"),
        find=find_organisations,
        show=show_organisation,
        list_url_name="clients:organisation_list",
        order=10,
    )
)
search.register(
    search.Searchable(
        key="contacts",
        model=Contact,
        label=_("Contacts"),
        find=find_contacts,
        show=show_contact,
        list_url_name="clients:contact_list",
        order=20,
    )
)

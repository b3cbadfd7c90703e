"""The cabinet's users: a dealer's administrator invites people of their organisation and of
its sub-dealers by e-mail (a single-use link that expires), lists them, blocks and unblocks
them; nobody else may, and nobody reaches another organisation's users."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from crm.accounts import roles
from crm.core.models import OutboxMessage
from crm.core.records import RecordError
from dealers import invitations, tasks
from dealers.models import DealerInvitation, DealerMembership
from tests.factories import TEST_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()
NEW_PASSWORD = "Kvartal-Otchet-2026"


@pytest.fixture
def w(cabinet_world):
    """Alpha's dealer user administers alpha's users; a colleague at alpha who does not."""
    w = cabinet_world
    DealerMembership.objects.filter(user=w["dealer"]).update(is_admin=True)
    w["colleague"] = UserFactory(username="alpha_colleague", role=roles.DEALER)
    w["colleague_membership"] = DealerMembership.objects.create(
        user=w["colleague"], organisation=w["alpha"]
    )
    return w


def invite(client, organisation, email="new.person@example.com", **extra):
    data = {"organisation": organisation.pk, "email": email, "last_name": "", "first_name": ""}
    return client.post(reverse("dealers:dealerinvitation_create"), {**data, **extra})


def send_letters() -> list[str]:
    """Run the queued invitation tasks as the worker would; the links of the letters."""
    for message in OutboxMessage.objects.filter(task_name=invitations.SEND_TASK):
        tasks.send_invitation(*message.args)
    return [
        line.strip()
        for letter in mail.outbox
        for line in letter.body.splitlines()
        if "/cabinet/invitation/" in line
    ]


def written() -> tuple:
    return (
        sorted(DealerInvitation.objects.values_list("pk", flat=True)),
        OutboxMessage.objects.filter(task_name=invitations.SEND_TASK).count(),
        sorted(User.objects.values_list("username", "is_active")),
        DealerMembership.objects.count(),
    )


def accept(link: str, password: str = NEW_PASSWORD):
    client = Client()
    path = link.split("://", 1)[-1].split("/", 1)[-1]
    data = {
        "last_name": "Петрова",
        "first_name": "Анна",
        "password1": password,
        "password2": password,
    }
    return client, client.post("/" + path, data)


# --- inviting -------------------------------------------------------------------------------


def test_a_dealer_admin_invites_a_colleague_who_sets_a_password_and_lands_in_the_cabinet(
    w, logged_in
):
    response = invite(logged_in(w["dealer"]), w["alpha"], email="New.Person@Example.com")
    assert response.status_code == 302
    invitation = DealerInvitation.objects.get()
    assert (invitation.email, invitation.organisation, invitation.invited_by) == (
        "new.person@example.com",
        w["alpha"],
        w["dealer"],
    )
    assert invitation.expires_at > timezone.now() + timedelta(days=6)
    [link] = send_letters()
    assert mail.outbox[0].to == ["new.person@example.com"]
    client, response = accept(link)
    assert response.status_code == 302
    assert response["Location"] == reverse("dealers:home")
    user = User.objects.get(username="new.person@example.com")
    assert user.check_password(NEW_PASSWORD)
    assert user.groups.filter(name=roles.DEALER).exists()
    membership = DealerMembership.objects.get(user=user)
    assert (membership.organisation, membership.is_admin) == (w["alpha"], False)
    invitation.refresh_from_db()
    assert invitation.accepted_at is not None
    assert invitation.user == user
    home = client.get(reverse("dealers:home"))
    assert home.status_code == 200
    assert home.context["cabinet"].organisation == w["alpha"]


def test_only_a_hash_of_the_link_is_stored(w, logged_in):
    invite(logged_in(w["dealer"]), w["alpha"])
    [link] = send_letters()
    token = link.rstrip("/").rsplit("/", 1)[-1]
    assert DealerInvitation.objects.get().token_hash != token
    assert not DealerInvitation.objects.filter(token_hash__contains=token).exists()


def test_an_invitee_of_a_sub_dealer_becomes_a_sub_dealer_user(w, logged_in):
    assert invite(logged_in(w["dealer"]), w["alpha_sub"]).status_code == 302
    [link] = send_letters()
    _client, response = accept(link)
    assert response.status_code == 302
    user = User.objects.get(username="new.person@example.com")
    assert user.groups.filter(name=roles.SUB_DEALER).exists()
    assert DealerMembership.objects.get(user=user).organisation == w["alpha_sub"]


def test_a_link_works_once(w, logged_in):
    invite(logged_in(w["dealer"]), w["alpha"])
    [link] = send_letters()
    accept(link)
    before = written()
    _client, response = accept(link, password="Another-Password-99")
    assert response.status_code == 410
    assert 'data-state="accepted"' in response.content.decode()
    assert written() == before
    assert Client().get("/" + link.split("/", 3)[-1]).status_code == 410


def test_an_expired_link_is_refused_and_creates_nothing(w, logged_in):
    invite(logged_in(w["dealer"]), w["alpha"])
    [link] = send_letters()
    DealerInvitation.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    before = written()
    _client, response = accept(link)
    assert response.status_code == 410
    assert 'data-state="expired"' in response.content.decode()
    assert written() == before


def test_an_unknown_link_is_refused(w):
    response = Client().get(reverse("dealers:invitation_accept", args=["no-such-token"]))
    assert response.status_code == 404
    assert 'data-state="unknown"' in response.content.decode()


def test_a_withdrawn_link_is_refused(w, logged_in):
    client = logged_in(w["dealer"])
    invite(client, w["alpha"])
    [link] = send_letters()
    invitation = DealerInvitation.objects.get()
    assert (
        client.post(reverse("dealers:dealerinvitation_revoke", args=[invitation.pk])).status_code
        == 302
    )
    _client, response = accept(link)
    assert response.status_code == 410
    assert 'data-state="revoked"' in response.content.decode()


def test_a_new_invitation_of_the_same_address_withdraws_the_old_one(w, logged_in):
    client = logged_in(w["dealer"])
    invite(client, w["alpha"])
    invite(client, w["alpha_sub"])
    first, second = DealerInvitation.objects.order_by("pk")
    assert first.revoked_at is not None
    assert second.revoked_at is None


def test_a_weak_password_is_refused_and_the_link_still_works(w, logged_in):
    invite(logged_in(w["dealer"]), w["alpha"])
    [link] = send_letters()
    _client, response = accept(link, password="12345")
    assert response.status_code == 200
    assert response.context["form"].errors["password1"]
    assert not User.objects.filter(username="new.person@example.com").exists()
    _client, response = accept(link)
    assert response.status_code == 302


def test_an_address_that_already_has_an_account_is_refused(w, logged_in):
    before = written()
    response = invite(logged_in(w["dealer"]), w["alpha"], email=w["colleague"].email)
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert written() == before


# --- no one else ------------------------------------------------------------------------------


def test_a_dealer_admin_cannot_invite_into_another_organisation(w, logged_in):
    before = written()
    assert invite(logged_in(w["dealer"]), w["zulu"]).status_code == 404
    assert written() == before


def test_a_sub_dealer_admin_cannot_invite_into_its_dealer(w, logged_in):
    DealerMembership.objects.filter(user=w["subdealer"]).update(is_admin=True)
    client = logged_in(w["subdealer"])
    before = written()
    assert invite(client, w["alpha"]).status_code == 404
    assert written() == before
    assert invite(client, w["alpha_sub"]).status_code == 302


def test_a_dealer_user_who_is_not_an_admin_cannot_invite_at_all(w, logged_in):
    client = logged_in(w["colleague"])
    before = written()
    assert client.get(reverse("dealers:user_list")).status_code == 403
    assert invite(client, w["alpha"]).status_code == 403
    response = client.post(
        reverse("dealers:dealermembership_active", args=[w["colleague_membership"].pk]),
        {"active": "0"},
    )
    assert response.status_code == 403
    assert written() == before


def test_the_service_refuses_a_non_admin_and_staff_without_the_permission(w):
    for actor in (w["colleague"], w["manager"]):
        with pytest.raises(RecordError):
            invitations.invitation_create(actor, organisation=w["alpha"], email="x@example.com")
    assert not DealerInvitation.objects.exists()


def test_staff_with_the_permission_invite_too(w, admin_user):
    invitation = invitations.invitation_create(
        admin_user, organisation=w["zulu"], email="zulu.person@example.com"
    )
    assert invitation.organisation == w["zulu"]
    assert len(send_letters()) == 1


# --- the list, blocking and unblocking --------------------------------------------------------


def can_log_in(username: str) -> bool:
    """Through the login page, as a person does (the lockout backend needs the request)."""
    response = Client().post(
        reverse("accounts:login"), {"username": username, "password": TEST_PASSWORD}
    )
    return response.status_code == 302


def test_the_admin_lists_the_users_of_the_organisation_and_its_sub_dealers_only(w, logged_in):
    response = logged_in(w["dealer"]).get(reverse("dealers:user_list"))
    assert response.status_code == 200
    users = {membership.user for membership in response.context["memberships"]}
    assert users == {w["dealer"], w["colleague"], w["subdealer"]}
    organisations = set(response.context["form"].organisations)
    assert organisations == {w["alpha"].pk, w["alpha_sub"].pk}


def test_a_blocked_user_is_logged_out_and_cannot_log_in_until_unblocked(w, logged_in, client):
    colleague = Client()
    colleague.force_login(w["colleague"])
    assert colleague.get(reverse("dealers:home")).status_code == 200
    url = reverse("dealers:dealermembership_active", args=[w["colleague_membership"].pk])
    admin = logged_in(w["dealer"])
    assert admin.post(url, {"active": "0"}).status_code == 302
    w["colleague"].refresh_from_db()
    assert w["colleague"].is_active is False
    response = colleague.get(reverse("dealers:home"))
    assert response.status_code == 302
    assert "login" in response["Location"]
    assert can_log_in("alpha_colleague") is False
    assert admin.post(url, {"active": "1"}).status_code == 302
    w["colleague"].refresh_from_db()
    assert w["colleague"].is_active is True
    assert can_log_in("alpha_colleague") is True


def test_a_dealer_admin_cannot_block_users_of_another_organisation(w, logged_in):
    zulu_membership = DealerMembership.objects.get(user=w["zulu_dealer"])
    before = written()
    response = logged_in(w["dealer"]).post(
        reverse("dealers:dealermembership_active", args=[zulu_membership.pk]), {"active": "0"}
    )
    assert response.status_code == 404
    assert written() == before


def test_a_sub_dealer_admin_cannot_block_its_dealers_users(w, logged_in):
    DealerMembership.objects.filter(user=w["subdealer"]).update(is_admin=True)
    before = written()
    response = logged_in(w["subdealer"]).post(
        reverse("dealers:dealermembership_active", args=[w["colleague_membership"].pk]),
        {"active": "0"},
    )
    assert response.status_code == 404
    assert written() == before


def test_nobody_blocks_themselves(w, logged_in):
    own = DealerMembership.objects.get(user=w["dealer"])
    logged_in(w["dealer"]).post(
        reverse("dealers:dealermembership_active", args=[own.pk]), {"active": "0"}
    )
    w["dealer"].refresh_from_db()
    assert w["dealer"].is_active is True


def test_a_dealer_admin_cannot_block_a_staff_account_linked_by_mistake(w, logged_in):
    mistake = DealerMembership.objects.create(user=w["manager"], organisation=w["alpha_sub"])
    logged_in(w["dealer"]).post(
        reverse("dealers:dealermembership_active", args=[mistake.pk]), {"active": "0"}
    )
    w["manager"].refresh_from_db()
    assert w["manager"].is_active is True

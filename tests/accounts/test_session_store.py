"""crm.accounts.sessions reads the session row as Django's database store does."""

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from crm.accounts.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_what_one_store_saves_the_other_reads_in_one_statement():
    saved = DjangoStore()
    saved.update({"user": "42", "список": [1, 2, 3]})
    saved.save()
    with CaptureQueriesContext(connection) as captured:
        loaded = SessionStore(saved.session_key).load()
    assert loaded == {"user": "42", "список": [1, 2, 3]}
    assert len(captured) == 1
    ours = SessionStore()
    ours["next"] = "/clients/"
    ours.save()
    assert DjangoStore(ours.session_key).load() == {"next": "/clients/"}


def test_an_expired_a_missing_and_a_forged_session_read_as_empty():
    saved = DjangoStore()
    saved["user"] = "42"
    saved.save()
    Session.objects.filter(pk=saved.session_key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )
    expired = SessionStore(saved.session_key)
    assert expired.load() == {}
    assert expired.session_key is None
    assert SessionStore("x" * 32).load() == {}
    Session.objects.create(
        session_key="y" * 32, session_data="tampered", expire_date=timezone.now() + timedelta(1)
    )
    assert SessionStore("y" * 32).load() == {}


def test_a_login_lives_in_the_session_the_store_reads(client, make_user):
    user = make_user(username="anna", role="sales_manager")
    client.force_login(user)
    assert client.get("/").status_code == 200
    store = SessionStore(client.cookies["sessionid"].value)
    assert store.load()["_auth_user_id"] == str(user.pk)


def test_views_get_the_user_object_itself_with_its_second_factor_state(rf, make_user):
    from django.contrib.auth.models import AnonymousUser
    from django.utils.functional import SimpleLazyObject

    from crm.accounts.middleware import ResolvedUserMiddleware

    user = make_user(username="anna", role="sales_manager")
    seen = []
    middleware = ResolvedUserMiddleware(lambda request: seen.append(request.user) or "ok")
    request = rf.get("/")
    user.is_verified = lambda: False  # what django-otp sets on the user it wraps
    request.user = SimpleLazyObject(lambda: SimpleLazyObject(lambda: user))
    assert middleware(request) == "ok"
    assert seen[-1] is user
    assert request.user.is_verified() is False
    request = rf.get("/")
    request.user = SimpleLazyObject(AnonymousUser)
    middleware(request)
    assert isinstance(seen[-1], AnonymousUser)

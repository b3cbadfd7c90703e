"""The markup kept as Jinja2 (crm.core.jinja): the page chrome every page shows and the list
pages below their title. It escapes what people typed, speaks the user's language, carries
one working CSRF token, and the HTMX refresh returns only the refreshed part."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from crm.clients.models import Organisation
from crm.core.jinja import render_fragment
from crm.core.models import SavedView
from tests.security.conftest import build_world

pytestmark = pytest.mark.django_db

HOSTILE = '"><script>alert(1)</script>'


@pytest.fixture
def world():
    return build_world()


def test_what_people_typed_is_escaped_in_the_filter_bar_the_rows_and_the_saved_views(
    world, logged_in
):
    manager = world["manager"]
    world["mine"].name = "Ромашка <b>и</b> сыновья"
    world["mine"].save()
    SavedView.objects.create(
        user=manager, list_key="clients.organisation", name=HOSTILE, query="status=active"
    )
    client = logged_in(manager)
    page = client.get(reverse("clients:organisation_list"), {"q": HOSTILE}).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert 'value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in page  # the search box
    page = client.get(reverse("clients:organisation_list")).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;</a>" in page  # the saved view's name
    assert "Ромашка &lt;b&gt;и&lt;/b&gt; сыновья" in page


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("ru", ["Строки 1–", "Найти", "Сбросить", "Столбцы", "Выйти", "Поиск по CRM"]),
        ("en", ["Rows 1–", "Find", "Reset", "Columns", "Log out", "Search the CRM"]),
    ],
)
def test_the_list_page_speaks_the_users_language(world, logged_in, language, words):
    manager = world["manager"]
    manager.language = language
    manager.save()
    page = logged_in(manager).get(reverse("clients:organisation_list")).content.decode()
    assert f'<html lang="{language}">' in page
    for word in words:
        assert word in page, word


def test_the_page_and_its_forms_carry_one_token_that_passes_the_csrf_check(world):
    manager = world["manager"]
    client = Client(enforce_csrf_checks=True)
    client.force_login(manager)
    url = reverse("clients:organisation_list")
    page = client.get(url).content.decode()
    tokens = set(re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', page))
    tokens |= set(re.findall(r'"X-CSRFToken": "([^"]+)"', page))
    assert len(tokens) in (1, 2)  # the forms share one; the HTMX header may carry its own
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)[1]
    response = client.post(
        url,
        {"csrfmiddlewaretoken": token, "action": "save_view", "name": "Мои", "query": "q=1"},
    )
    assert response.status_code == 302
    assert SavedView.objects.filter(user=manager, name="Мои", query="q=1").exists()
    refused = client.post(url, {"csrfmiddlewaretoken": "x" * 64, "action": "save_view"})
    assert refused.status_code == 403


def test_a_message_reaches_the_list_page_once_and_the_context_reaches_the_test_client(
    world, logged_in
):
    """The list page is Jinja2 whole (render_page): it shows the messages Django templates
    get from a context processor, consumes them, and the test client still sees the view's
    context through Django's template_rendered signal."""
    client = logged_in(world["manager"])
    url = reverse("clients:organisation_list")
    saved = client.post(url, {"action": "save_view", "name": "Мои «важные»", "query": "q=1"})
    page = client.get(saved.url)
    html = page.content.decode()
    assert 'role="alert"' in html or 'role="status"' in html
    assert "Мои «важные»" in html.split('id="list-filters"')[0]
    assert page.context["search_text"] == "1"  # the saved query, followed
    assert page.context["total"] == 0
    again = client.get(url).content.decode()
    assert "Мои «важные»" not in again.split('id="list-filters"')[0]


def test_the_htmx_refresh_returns_the_results_without_the_chrome(world, logged_in):
    client = logged_in(world["manager"])
    response = client.get(
        reverse("clients:organisation_list"),
        headers={"HX-Request": "true", "HX-Target": "list-results"},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="column-chooser"' in html
    assert world["mine"].name in html
    assert "<html" not in html
    assert 'id="list-filters"' not in html
    assert 'data-testid="user-menu"' not in html


def test_the_menu_bar_and_the_search_box_come_with_pages_still_on_django_templates(
    world, logged_in
):
    client = logged_in(world["manager"])
    page = client.get(reverse("accounts:profile")).content.decode()
    assert 'data-testid="user-menu"' in page
    assert 'data-testid="global-search"' in page
    assert reverse("clients:organisation_list") in page  # the menu
    assert 'name="language" value="en"' in page  # the language switch


def test_fragments_escape_values_and_keep_safe_html():
    from django.utils.safestring import mark_safe

    class Message:
        def __init__(self, text, tags):
            self.text, self.tags = text, tags

        def __str__(self):
            return self.text

    messages = [Message("<i>typed</i>", "error"), mark_safe("<b>built</b>")]
    html = render_fragment("includes/messages.jinja", {"messages": messages})
    assert "&lt;i&gt;typed&lt;/i&gt;" in html
    assert "<b>built</b>" in html
    assert 'class="alert alert-danger' in html
    assert 'class="alert alert-info' in html


def test_a_dealer_sees_the_chrome_without_the_staff_search(world, logged_in):
    response = logged_in(world["dealer"]).get(reverse("accounts:home"), follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="user-menu"' in page
    assert 'data-testid="global-search"' not in page


def test_organisations_render_the_same_for_a_full_page_and_a_refresh(world, logged_in):
    for n in range(3):
        Organisation.objects.create(name=f"Фирма {n}", region=world["regions"]["77"])
    client = logged_in(world["regional"])
    url = reverse("clients:organisation_list")
    page = client.get(url).content.decode()
    refresh = client.get(url, headers={"HX-Request": "true", "HX-Target": "list-results"})

    def rows(html):
        return re.findall(r"<tr>.*?</tr>", html)

    assert rows(page) == rows(refresh.content.decode())
    assert len(rows(page)) >= 3

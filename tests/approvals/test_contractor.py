"""The data contractor's round trip: a depersonalised workbook out (no personal data in the
file, on any page or in any notification), corrected cells back in as change requests with
source contractor; forged tokens and edits of forbidden columns refused with row and column,
nothing written."""

import io

import pytest
from django.utils import translation
from openpyxl import Workbook, load_workbook

from crm.approvals import contractor, services
from crm.approvals.models import ChangeRequest, RequestState, Verdict
from crm.clients import requisites
from crm.clients.models import Contact, CounterpartyType, Organisation
from crm.core.choices import Source
from tests.factories import UserFactory
from tests.security.conftest import build_world

pytestmark = pytest.mark.django_db

IE_INN = "500100732259"  # a valid 12-digit INN
IE_OGRNIP = "304500116000157"
MARKERS = [
    "Маркеров",
    "Маркерова",
    IE_INN,
    IE_OGRNIP,
    "Маркерная",
    "79990001122",
    "999 000-11-22",
    "markerov@example.com",
    "anna.markerova@example.com",
]


@pytest.fixture
def world():
    world = build_world()
    requisites.check_inn(IE_INN)
    world["ie"] = Organisation.objects.create(
        name="ИП Маркеров Иван Петрович",
        legal_name="Индивидуальный предприниматель Маркеров Иван Петрович",
        counterparty_type=CounterpartyType.ENTREPRENEUR,
        inn=IE_INN,
        ogrn=IE_OGRNIP,
        legal_address="г. Москва, Маркерная ул., д. 1",
        phone="+79990001122",
        email="markerov@example.com",
        owner=world["manager"],
        region=world["regions"]["77"],
    )
    Contact.objects.create(
        organisation=world["ie"],
        last_name="Маркерова",
        first_name="Анна",
        mobile="+79990001122",
        email="anna.markerova@example.com",
    )
    world["firm"] = Organisation.objects.get(pk=world["mine"].pk)
    world["contractor"] = UserFactory(username="contractor-x", role="data_contractor")
    world["steward"] = UserFactory(username="steward-x", role="approver")
    return world


def sheet_values(content: bytes) -> list[list[str]]:
    book = load_workbook(io.BytesIO(content), read_only=True)
    return [
        ["" if c is None else str(c) for c in row]
        for row in book.active.iter_rows(values_only=True)
    ]


def assert_no_markers(text: str) -> None:
    for marker in MARKERS:
        assert marker not in text, marker


def upload(client, rows, dataset="organisations"):
    book = Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.name = "corrected.xlsx"
    buffer.seek(0)
    return client.post("/approvals/contractor/", {"dataset": dataset, "file": buffer})


def exported(client, dataset="organisations"):
    response = client.get(f"/approvals/contractor/?export={dataset}")
    assert response.status_code == 200
    return sheet_values(response.content)


def column(rows, name, dataset="organisations"):
    """The index of the column showing field ``name`` (headers are in the user's language)."""
    with translation.override("ru"):
        label = next(str(c.label) for c in contractor.DATASETS[dataset].columns if c.name == name)
    return rows[0].index(label)


def test_the_round_trip_sends_corrections_for_approval_and_leaks_nothing(world, logged_in):
    client = logged_in(world["contractor"])
    rows = exported(client)
    assert_no_markers(repr(rows))
    ie_row = next(r for r in rows if r[0] == str(world["ie"].pk))
    assert all(
        ie_row[column(rows, name)].startswith(contractor.PSEUDONYM_PREFIX)
        for name in ("name", "inn", "ogrn", "legal_address", "phone", "email", "contact")
    )
    # Correct the website of the sole proprietor and the address of the company.
    website, address = column(rows, "website"), column(rows, "legal_address")
    firm_row = next(r for r in rows if r[0] == str(world["firm"].pk))
    ie_row[website] = "https://markets.example.com"
    firm_row[address] = "г. Москва, ул. Исправленная, д. 5"
    response = upload(client, rows)
    assert response.status_code == 200, response.content.decode()[:3000]
    assert 'data-testid="contractor-result"' in response.content.decode()
    assert_no_markers(response.content.decode())
    requests = ChangeRequest.objects.filter(source=Source.CONTRACTOR)
    assert requests.count() == 2
    world["firm"].refresh_from_db()
    assert world["firm"].legal_address != "г. Москва, ул. Исправленная, д. 5"  # not written yet
    for request in requests:
        services.change_request_decide(world["steward"], request=request, verdict=Verdict.APPROVE)
    world["firm"].refresh_from_db()
    world["ie"].refresh_from_db()
    assert world["firm"].legal_address == "г. Москва, ул. Исправленная, д. 5"
    assert world["ie"].website == "https://markets.example.com"
    assert set(requests.values_list("state", flat=True)) == {RequestState.APPLIED}
    # The contractor heard about the decisions without reading any personal data.
    notes = world["contractor"].notifications.all()
    assert notes.count() == 2
    assert_no_markers(" ".join(f"{n.title} {n.body}" for n in notes))
    for path in ("/approvals/contractor/", "/notifications/", "/approvals/?show=mine", "/"):
        page = client.get(path)
        assert page.status_code == 200, path
        assert_no_markers(page.content.decode())
    assert client.get(f"/clients/organisations/{world['ie'].pk}/").status_code in (403, 404)
    assert client.get("/clients/organisations/").status_code == 403


def test_forged_tokens_and_forbidden_columns_are_refused_and_nothing_is_sent(world, logged_in):
    client = logged_in(world["contractor"])
    rows = exported(client)
    ie_row = next(r for r in rows if r[0] == str(world["ie"].pk))
    firm_row = next(r for r in rows if r[0] == str(world["firm"].pk))
    name, inn, website = column(rows, "name"), column(rows, "inn"), column(rows, "website")
    ie_row[name] = "PD-0000000000000000"  # forged
    firm_row[inn] = "7736050003"  # a column the contractor may not change
    firm_row[website] = "https://ok.example.com"  # fine, but the file is refused as a whole
    response = upload(client, rows)
    assert response.status_code == 400
    errors = response.content.decode()
    assert rows[0][name] in errors
    assert rows[0][inn] in errors
    assert_no_markers(errors)
    assert not ChangeRequest.objects.exists()
    rows[0][1] = "Переименовано"
    assert "не те" in upload(client, rows).content.decode()  # renamed columns are refused


def test_no_page_shows_the_contractor_personal_data(world, logged_in):
    """Every route of the application, with the sole proprietor's id wherever an id goes."""
    import re

    from tests.security.test_url_walker import ROUTES

    client = logged_in(world["contractor"])
    pk = str(world["ie"].pk)
    for route in ROUTES:
        if "logout" in route or route.startswith("admin/"):
            continue
        path = "/" + re.sub(r"<(?:(\w+):)?\w+>", lambda m: pk if m[1] == "int" else "x", route)
        for suffix in ("", "?q=Марке", "?export=csv"):  # a prefix: the echo is no leak
            response = client.get(path + suffix)
            body = b"".join(response.streaming_content) if response.streaming else response.content
            assert_no_markers(body.decode("utf-8", "replace"))


def test_the_contractor_follows_their_own_corrections_without_reading_personal_data(
    world, logged_in
):
    """The workspace lists what became of the contractor's requests (number, file and row,
    record type and ID, fields, state): theirs only, and no name or value of a record."""
    client = logged_in(world["contractor"])
    page = client.get("/approvals/contractor/").content.decode()
    assert 'data-testid="contractor-submissions"' not in page
    rows = exported(client)
    ie_row = next(r for r in rows if r[0] == str(world["ie"].pk))
    ie_row[column(rows, "website")] = "https://markets.example.com"
    assert upload(client, rows).status_code == 200
    request = ChangeRequest.objects.get(source=Source.CONTRACTOR, author=world["contractor"])
    other = UserFactory(username="contractor-y", role="data_contractor")
    other_rows = exported(logged_in(other))
    firm_row = next(r for r in other_rows if r[0] == str(world["firm"].pk))
    firm_row[column(other_rows, "website")] = "https://other.example.com"
    assert upload(logged_in(other), other_rows).status_code == 200
    foreign = ChangeRequest.objects.get(source=Source.CONTRACTOR, author=other)

    client = logged_in(world["contractor"])
    page = client.get("/approvals/contractor/").content.decode()
    table = page.split('data-testid="contractor-submissions"')[1].split("</table>")[0]
    assert f'<td class="text-nowrap">{request.pk}</td>' in table
    assert f"ID {world['ie'].pk}" in table
    assert f'<td class="text-nowrap">{foreign.pk}</td>' not in table
    assert f"ID {world['firm'].pk}" not in table
    assert str(RequestState.PENDING.label) in table or "Ожидает" in table
    assert "markets.example.com" not in page  # the proposed value is not shown back either
    assert_no_markers(page)

    services.change_request_decide(
        world["steward"],
        request=request,
        verdict=Verdict.REJECT,
        comment="Сайт не подтверждён выпиской",
    )
    page = logged_in(world["contractor"]).get("/approvals/contractor/").content.decode()
    states = page.split('data-testid="contractor-states"')[1].split("</p>")[0]
    request.refresh_from_db()
    assert request.state == RequestState.REJECTED
    assert request.get_state_display() in states
    assert "Сайт не подтверждён выпиской" in page  # the reason, written for the author
    assert_no_markers(page)
    # The notification of the decision leads to this list, not to a request page the
    # contractor may not open.
    note = world["contractor"].notifications.get()
    assert note.url == "/approvals/contractor/#submitted"
    assert client.get(f"/approvals/{request.pk}/").status_code == 404


def returned_request(world, logged_in, field, value, record_key="firm"):
    """The contractor proposes ``value`` for ``field`` of a record; a steward returns it."""
    client = logged_in(world["contractor"])
    rows = exported(client)
    row = next(r for r in rows if r[0] == str(world[record_key].pk))
    row[column(rows, field)] = value
    assert upload(client, rows).status_code == 200
    request = ChangeRequest.objects.get(
        source=Source.CONTRACTOR, author=world["contractor"], object_id=world[record_key].pk
    )
    services.change_request_decide(
        world["steward"], request=request, verdict=Verdict.RETURN, comment="КПП не из выписки"
    )
    request.refresh_from_db()
    assert request.state == RequestState.RETURNED
    return request


def test_the_contractor_corrects_a_returned_request_and_sends_it_again(world, logged_in):
    """A returned request is corrected on the contractor's own workspace (only the values
    they sent are shown), checked as a first proposal is, and goes back to its approvers; a
    stale second submit, a bad value and another contractor's request change nothing."""
    request = returned_request(world, logged_in, "kpp", "771501001")
    note = world["contractor"].notifications.get()
    assert note.url == "/approvals/contractor/#rework"
    client = logged_in(world["contractor"])
    page = client.get("/approvals/contractor/").content.decode()
    section = page.split('data-testid="contractor-returned"')[1].split("</form>")[0]
    assert "КПП не из выписки" in section
    assert 'value="771501001"' in section  # the value the contractor sent
    firm = world["firm"]
    if firm.kpp:
        assert firm.kpp not in section  # never the record's current value
    assert_no_markers(page)

    # A value the field refuses: named, in Russian, and nothing changes.
    prefix = f"r{request.pk}"
    bad = client.post(
        "/approvals/contractor/",
        {
            "action": "rework",
            "request": request.pk,
            f"{prefix}-kpp": "12345",
            f"{prefix}-comment": "Взял из выписки",
        },
    )
    assert bad.status_code == 400
    assert "КПП: КПП состоит из 9 знаков" in bad.content.decode()
    assert 'value="Взял из выписки"' in bad.content.decode()  # the comment is kept
    request.refresh_from_db()
    assert (request.state, request.round) == (RequestState.RETURNED, 1)
    assert request.items.get().new_value == "771501001"

    # Another contractor cannot touch it.
    other = UserFactory(username="contractor-z", role="data_contractor")
    foreign = logged_in(other).post(
        "/approvals/contractor/",
        {"action": "rework", "request": request.pk, f"{prefix}-kpp": "771601001"},
    )
    assert foreign.status_code == 404

    client = logged_in(world["contractor"])
    sent = client.post(
        "/approvals/contractor/",
        {
            "action": "rework",
            "request": request.pk,
            f"{prefix}-kpp": "771601001",
            f"{prefix}-comment": "Исправил по выписке",
        },
    )
    assert sent.status_code == 302
    assert sent.url == "/approvals/contractor/#submitted"
    request.refresh_from_db()
    assert (request.state, request.round) == (RequestState.PENDING, 2)
    assert request.items.get().new_value == "771601001"
    assert world["steward"].notifications.filter(url=request.get_absolute_url()).count() == 2
    firm.refresh_from_db()
    assert firm.kpp != "771601001"  # still awaiting approval

    # The same form sent again (a second click, another tab): refused, nothing changes.
    stale = client.post(
        "/approvals/contractor/",
        {"action": "rework", "request": request.pk, f"{prefix}-kpp": "771701001"},
    )
    assert stale.status_code == 400
    assert "Повторно отправить можно только заявку, возвращённую на доработку." in (
        stale.content.decode()
    )
    request.refresh_from_db()
    assert (request.state, request.round) == (RequestState.PENDING, 2)
    assert request.items.get().new_value == "771601001"
    page = client.get("/approvals/contractor/").content.decode()
    assert 'data-testid="contractor-returned"' not in page

    services.change_request_decide(world["steward"], request=request, verdict=Verdict.APPROVE)
    firm.refresh_from_db()
    assert firm.kpp == "771601001"


def test_the_contractor_withdraws_a_returned_request(world, logged_in):
    request = returned_request(world, logged_in, "website", "https://w.example.com", "ie")
    client = logged_in(world["contractor"])
    response = client.post("/approvals/contractor/", {"action": "withdraw", "request": request.pk})
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.state == RequestState.CANCELLED
    page = client.get("/approvals/contractor/").content.decode()
    assert 'data-testid="contractor-returned"' not in page
    assert f"Заявка № {request.pk} отозвана." in page
    assert_no_markers(page)
    assert (
        client.post("/approvals/contractor/", {"action": "withdraw", "request": "x1"}).status_code
        == 404
    )


def test_a_corrected_workbook_sends_a_returned_request_again_instead_of_a_second_one(
    world, logged_in
):
    """The contractor may also rework in Excel: a changed cell of a field their returned
    request holds goes into that request (round two), other cells into a new request."""
    request = returned_request(world, logged_in, "kpp", "771501001")
    client = logged_in(world["contractor"])
    rows = exported(client)
    row = next(r for r in rows if r[0] == str(world["firm"].pk))
    row[column(rows, "kpp")] = "771601001"
    row[column(rows, "website")] = "https://firm.example.com"
    response = upload(client, rows)
    assert response.status_code == 200
    result = response.content.decode().split('data-testid="contractor-result"')[1]
    result = result.split("</div>\n")[0]
    assert "отправлено изменённых значений: 2, в 2 заявках" in result
    assert "Из них заявок, возвращённых на доработку и отправленных снова: 1." in result
    request.refresh_from_db()
    assert (request.state, request.round) == (RequestState.PENDING, 2)
    assert request.items.get().new_value == "771601001"
    mine = ChangeRequest.objects.filter(author=world["contractor"], object_id=world["firm"].pk)
    assert mine.count() == 2
    website = mine.exclude(pk=request.pk).get()
    assert [i.field for i in website.items.all()] == ["website"]
    assert world["firm"].kpp != "771601001"  # still awaiting approval

    # A bad value for the returned field: nothing is sent, the request stays returned.
    second = returned_request_again(world, request)
    rows = exported(client)
    row = next(r for r in rows if r[0] == str(world["firm"].pk))
    row[column(rows, "kpp")] = "12345"
    response = upload(client, rows)
    assert response.status_code == 400
    assert "КПП состоит из 9 знаков" in response.content.decode()
    second.refresh_from_db()
    assert (second.state, second.round) == (RequestState.RETURNED, 2)
    assert second.items.get().new_value == "771601001"


def returned_request_again(world, request):
    services.change_request_decide(
        world["steward"], request=request, verdict=Verdict.RETURN, comment="Снова не то"
    )
    request.refresh_from_db()
    return request

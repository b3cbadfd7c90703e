"""Importers and files for the import wizard tests: a Moscow world from tests/security, plus
helpers that build CSV and XLSX files the way people send them."""

import io

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from crm.clients import requisites
from tests.security.conftest import build_world

# Valid INNs with KPPs (checksums correct), and one with a wrong check digit.
INNS = ["7707083893", "7736050003", "7702070139", "7728168971", "7710140679"]
BAD_INN = "7707083894"


def grant(user, *codenames):
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    user.refresh_access()
    return user


@pytest.fixture
def world(db):
    world = build_world()
    grant(world["manager"], "import_organisation", "import_contact")
    grant(world["regional"], "import_organisation", "import_contact")
    return world


@pytest.fixture
def manager(world):
    return world["manager"]


def csv_bytes(rows, *, delimiter=";", encoding="utf-8", bom=False) -> bytes:
    text = "\r\n".join(delimiter.join(_quote(c, delimiter) for c in row) for row in rows) + "\r\n"
    data = text.encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def _quote(cell, delimiter):
    cell = str(cell)
    if delimiter in cell or '"' in cell or "\n" in cell:
        return '"' + cell.replace('"', '""') + '"'
    return cell


def xlsx_bytes(rows) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def upload(name, content) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


def make_inns(count, seed=7):
    import random

    rng = random.Random(seed)
    seen, out = set(), []
    while len(out) < count:
        inn = requisites.make_inn_legal(rng, "77")
        if inn not in seen:
            seen.add(inn)
            out.append(inn)
    return out

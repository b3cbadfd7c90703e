"""Both catalogues are complete: every UI string in the code has a Russian translation."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def run_manage(*args, env, cwd=ROOT):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


# What the copy of the source leaves out: environments, build output, caches.
NOT_COPIED = shutil.ignore_patterns(
    ".git", ".venv", "node_modules", "staticfiles", "var", "htmlcov", ".pytest_cache", "media"
)


@pytest.fixture
def extracted_copy(tmp_path):
    """A copy of the source with its catalogues refreshed from its code, leaving the tree
    untouched. (makemessages writes into the locale/ of the directory it runs in, whatever
    LOCALE_PATHS says, so the extraction runs in the copy.)"""
    copy = tmp_path / "src"
    shutil.copytree(ROOT, copy, ignore=NOT_COPIED)
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "crm.settings"}
    result = run_manage("translations", "extract", env=env, cwd=copy)
    assert result.returncode == 0, result.stderr
    return copy, env


def test_every_string_in_the_code_has_a_russian_translation(extracted_copy):
    copy, env = extracted_copy
    result = run_manage("translations", "check", env=env, cwd=copy)
    assert result.returncode == 0, result.stderr


def test_the_check_fails_on_a_new_string_without_a_translation(tmp_path):
    copy = tmp_path / "src"
    shutil.copytree(ROOT, copy, ignore=NOT_COPIED)
    module = copy / "crm" / "core" / "untranslated_probe.py"
    module.write_text(
        "from django.utils.translation import gettext_lazy\n\n"
        'PROBE = gettext_lazy("A string nobody has translated yet")\n',
        encoding="utf-8",
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "crm.settings"}
    assert run_manage("translations", "extract", env=env, cwd=copy).returncode == 0
    result = run_manage("translations", "check", env=env, cwd=copy)
    assert result.returncode != 0
    assert "A string nobody has translated yet" in result.stdout + result.stderr


def test_the_committed_russian_catalogue_has_no_fuzzy_or_empty_entry():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "crm.settings"}
    result = run_manage("translations", "check", env=env)
    assert result.returncode == 0, result.stderr


def test_russian_plural_forms_are_declared():
    header = (ROOT / "locale/ru/LC_MESSAGES/django.po").read_text(encoding="utf-8")
    assert "Plural-Forms: nplurals=4;" in header or "Plural-Forms: nplurals=3;" in header


def test_a_changed_string_gets_no_fuzzy_guess_in_either_catalogue(tmp_path):
    """A string close to one already translated arrives empty, not with the old string's
    translation marked fuzzy: English then takes its msgid, Russian needs a translation."""
    copy = tmp_path / "src"
    shutil.copytree(ROOT, copy, ignore=NOT_COPIED)
    template = copy / "crm/sales/templates/sales/planfact/not_reported.html"
    text = template.read_text(encoding="utf-8")
    assert "Reopen the quarter" in text
    template.write_text(text.replace("Reopen the quarter", "Reopen the quarter at once"))
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "crm.settings"}
    assert run_manage("translations", "extract", env=env, cwd=copy).returncode == 0
    english = (copy / "locale/en/LC_MESSAGES/django.po").read_text(encoding="utf-8")
    russian = (copy / "locale/ru/LC_MESSAGES/django.po").read_text(encoding="utf-8")
    assert 'msgid "Reopen the quarter at once"\nmsgstr "Reopen the quarter at once"' in english
    assert "charset=UTF-8" in english  # the header survives
    entry = russian[russian.index('msgid "Reopen the quarter at once"') :].split("\n\n")[0]
    assert 'msgstr ""' in entry
    assert "#, fuzzy" not in russian


GETTEXT_NAMES = {"_", "gettext", "gettext_lazy", "ngettext", "pgettext", "npgettext"}


def _gettext_inside_fstrings(source: str) -> list[int]:
    """Lines where a gettext call sits inside an f-string: xgettext does not look there, so
    the string never reaches the catalogue and shows untranslated."""
    import ast

    lines = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.JoinedStr):
            continue
        for inner in ast.walk(node):
            if (
                isinstance(inner, ast.Call)
                and isinstance(inner.func, ast.Name)
                and inner.func.id in GETTEXT_NAMES
            ):
                lines.append(inner.lineno)
    return lines


def test_no_gettext_call_hides_inside_an_f_string():
    found = []
    for folder in ("crm", "dealers", "integrations"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for line in _gettext_inside_fstrings(path.read_text(encoding="utf-8")):
                found.append(f"{path.relative_to(ROOT)}:{line}")
    assert found == []


def test_the_f_string_check_sees_a_hidden_call():
    assert _gettext_inside_fstrings("x = f\"<i>{_('ascending')}</i>\"\n") == [1]
    assert _gettext_inside_fstrings('label = _("ascending")\nx = f"<i>{label}</i>"\n') == []

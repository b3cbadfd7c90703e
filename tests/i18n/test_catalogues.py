"""Both catalogues are complete: every UI string in the code has a Russian translation."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def run_manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.fixture
def extracted_copy(tmp_path):
    """A copy of locale/ refreshed from the current code, leaving the tree untouched."""
    copy = tmp_path / "locale"
    shutil.copytree(ROOT / "locale", copy)
    env = {**os.environ, "LOCALE_PATH": str(copy), "DJANGO_SETTINGS_MODULE": "crm.settings"}
    result = run_manage("translations", "extract", env=env)
    assert result.returncode == 0, result.stderr
    return copy, env


def test_every_string_in_the_code_has_a_russian_translation(extracted_copy):
    _, env = extracted_copy
    result = run_manage("translations", "check", env=env)
    assert result.returncode == 0, result.stderr


def test_the_committed_russian_catalogue_has_no_fuzzy_or_empty_entry():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "crm.settings"}
    result = run_manage("translations", "check", env=env)
    assert result.returncode == 0, result.stderr


def test_russian_plural_forms_are_declared():
    header = (ROOT / "locale/ru/LC_MESSAGES/django.po").read_text(encoding="utf-8")
    assert "Plural-Forms: nplurals=4;" in header or "Plural-Forms: nplurals=3;" in header


def test_a_fuzzy_guess_in_the_english_catalogue_is_emptied_for_msgen_but_not_the_header():
    from crm.core.management.commands.translations import _unfuzzied

    text = (
        '#, fuzzy\nmsgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        '#: crm/core/navigation.py\n#, fuzzy, python-format\n#| msgid "sales plans"\n'
        'msgid "Sales plans"\nmsgstr "sales plans"\n\n'
        'msgid "Kept"\nmsgstr "Kept"\n'
    )
    assert _unfuzzied(text) == (
        '#, fuzzy\nmsgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        '#: crm/core/navigation.py\n#, python-format\nmsgid "Sales plans"\nmsgstr ""\n\n'
        'msgid "Kept"\nmsgstr "Kept"\n'
    )

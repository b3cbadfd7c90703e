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

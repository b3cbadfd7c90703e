"""Extract UI strings into the ru/en catalogues and report what is not translated yet.

``manage.py translations extract`` refreshes locale/{ru,en}/LC_MESSAGES/django.po (and
djangojs.po) from the code and templates; English entries take their msgid as translation.
``manage.py translations check`` exits non-zero while any Russian entry is empty or fuzzy.
"""

import shutil
import subprocess
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.core.management.commands import makemessages

IGNORE = [".venv/*", "node_modules/*", "staticfiles/*", "var/*", "tests/*", "bench/*", "docs/*"]
LANGUAGES = ["ru", "en"]
DOMAINS = ["django", "djangojs"]
# Jinja2 templates (crm.core.jinja) are read like Django ones: ``_("...")`` at the start of a
# variable is the shape both understand.
EXTENSIONS = {"django": ["html", "txt", "py", "jinja"], "djangojs": ["js"]}


class MakeMessages(makemessages.Command):
    """makemessages without msgmerge's fuzzy guesses: a new or changed string arrives empty.
    A guess (a similar older msgid's translation) is worse than nothing in both catalogues:
    ``msgen`` leaves it in the English one, and the Russian one needs a real translation."""

    msgmerge_options = [*makemessages.Command.msgmerge_options, "--no-fuzzy-matching"]


class Command(BaseCommand):
    help = "Extract translatable strings (extract) or check the Russian catalogue (check)."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["extract", "check"])

    def handle(self, *args, action, **options):
        if shutil.which("msgattrib") is None:
            raise CommandError("GNU gettext is not installed (apt-get install gettext)")
        if action == "extract":
            self.extract()
        else:
            self.check_catalogue()

    def catalogues(self, language: str) -> list[Path]:
        base = Path(settings.LOCALE_PATHS[0]) / language / "LC_MESSAGES"
        return [base / f"{domain}.po" for domain in DOMAINS if (base / f"{domain}.po").exists()]

    def extract(self):
        for domain in DOMAINS:
            call_command(
                MakeMessages(),
                locale=LANGUAGES,
                domain=domain,
                extensions=EXTENSIONS[domain],
                ignore_patterns=IGNORE,
                no_obsolete=True,
                add_location="file",
                verbosity=0,
            )
        for po in self.catalogues("en"):
            # English is the source language: each entry's translation is its msgid.
            subprocess.run(["msgen", "--no-wrap", str(po), "-o", str(po)], check=True)  # noqa: S603,S607
        self.stdout.write("Catalogues extracted.")

    def check_catalogue(self):
        problems = []
        for po in self.catalogues("ru"):
            for flag, label in (("--untranslated", "untranslated"), ("--only-fuzzy", "fuzzy")):
                out = subprocess.run(  # noqa: S603
                    ["msgattrib", flag, "--no-obsolete", "--no-wrap", str(po)],  # noqa: S607
                    capture_output=True,
                    text=True,
                    check=True,
                ).stdout
                msgids = [
                    line[len('msgid "') : -1]
                    for line in out.splitlines()
                    if line.startswith('msgid "') and line != 'msgid ""'
                ]
                problems += [f"{po.name}: {label}: {m}" for m in msgids]
        if problems:
            raise CommandError("Russian catalogue incomplete:\n" + "\n".join(problems))
        self.stdout.write("Russian catalogue complete.")

"""Markup the Content-Security-Policy would block, found in the templates before a browser does.

The policy (crm.settings.CONTENT_SECURITY_POLICY) allows scripts and styles from our origin
only. The browser then drops, with nothing but a console error:
- inline style attributes (``style="..."``);
- inline event handlers (``onclick="..."``) and ``javascript:`` links;
- htmx features that evaluate strings as script: trigger filters (``change[...]``),
  ``hx-on``, ``hx-vars`` and ``js:`` values.
A filter bar whose trigger was ``change[target.tagName=='SELECT']`` stopped refreshing the
list that way; the browser test of the organisations list covers the behaviour, this test the
whole template tree.
"""

import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
TEMPLATE_DIRS = ["templates", "jinja", "crm", "dealers", "integrations"]
BLOCKED = {
    "inline style attribute": re.compile(r"""\sstyle\s*=\s*["']"""),
    "inline event handler": re.compile(r"""\son[a-z]+\s*=\s*["']""", re.IGNORECASE),
    "javascript: URL": re.compile(r"""=\s*["']\s*javascript:""", re.IGNORECASE),
    "htmx trigger filter": re.compile(r"""hx-trigger\s*=\s*["'][^"']*\["""),
    "hx-on": re.compile(r"""\shx-on[:\-=]"""),
    "hx-vars": re.compile(r"""\shx-vars\s*="""),
    "hx-vals with js:": re.compile(r"""hx-vals\s*=\s*["']\s*js:"""),
    "inline script": re.compile(r"""<script(?![^>]*\ssrc=)[^>]*>\s*\S"""),
}


TAG = re.compile(r"{%.*?%}", re.DOTALL)


def markup(text: str) -> str:
    """The template without its tags (``{% include ... with style="primary" %}`` passes a
    variable, not an attribute); line breaks kept, so line numbers stay right."""
    return TAG.sub(lambda match: "\n" * match.group().count("\n"), text)


def template_files():
    for top in TEMPLATE_DIRS:
        for path in sorted((ROOT / top).rglob("*")):
            if path.suffix in (".html", ".jinja") and "node_modules" not in path.parts:
                yield path


def test_the_patterns_catch_what_they_name():
    samples = {
        "inline style attribute": '<span style="padding-left: 3rem">',
        "inline event handler": '<button onclick="go()">',
        "javascript: URL": '<a href="javascript:void(0)">',
        "htmx trigger filter": """<form hx-trigger="change[target.tagName=='SELECT']">""",
        "hx-on": '<div hx-on:click="x()">',
        "hx-vars": '<div hx-vars="a:1">',
        "hx-vals with js:": """<div hx-vals='js:{a: 1}'>""",
        "inline script": "<script>alert(1)</script>",
    }
    for name, sample in samples.items():
        assert BLOCKED[name].search(sample), name
    allowed = (
        '<form hx-trigger="change from:(#list-filters select), submit">'
        '<script src="/static/crm/js/crm.js"></script><div data-style="x" class="crm-indent-2">'
    )
    assert not any(pattern.search(allowed) for pattern in BLOCKED.values())
    include = '{% include "switch.html" with name="flow" style="primary" %}'
    assert not any(pattern.search(markup(include)) for pattern in BLOCKED.values())


def test_no_template_holds_markup_the_csp_blocks():
    found = []
    files = list(template_files())
    assert len(files) > 50  # the walk reaches the template tree
    for path in files:
        text = markup(path.read_text(encoding="utf-8"))
        for name, pattern in BLOCKED.items():
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(ROOT)}:{line}: {name}")
    assert found == []

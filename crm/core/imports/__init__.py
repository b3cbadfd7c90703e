"""The generic import wizard: upload a CSV or XLSX, map its columns, dry-run, confirm, undo.

Each app registers an ``ImportSpec`` for its models in ``<app>/imports.py`` (natural keys,
django-import-export resource, lookups); the engine here parses, checks and writes in bulk,
all or nothing, through the access policy (docs/adr/0007-imports.md).
"""

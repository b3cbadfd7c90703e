"""Reference data shipped with the CRM (geography.json: Russia's districts, regions, cities)."""

import json
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent


@cache
def geography() -> dict:
    """The parsed geography.json: country, federal districts, regions with their cities."""
    return json.loads((DATA_DIR / "geography.json").read_text(encoding="utf-8"))

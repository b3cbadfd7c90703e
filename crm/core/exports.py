"""Export helpers shared by every export: formula-injection escaping (ASVS 1.2.10)."""

# A spreadsheet treats a cell starting with any of these as a formula or command.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value):
    """Neutralise a text cell that a spreadsheet would run as a formula, by a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value

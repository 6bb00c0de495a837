"""CSV for spreadsheets, with formula injection neutralised (OWASP "CSV Injection"): every CSV the system writes
goes through `writer()`.

A cell whose text starts with = + - @, a tab or a carriage return (after any leading spaces; the full-width
＝ ＋ － ＠ too) is read by spreadsheet programs as a formula (=HYPERLINK(…), =cmd|…): such a cell is written with
a leading apostrophe, which the spreadsheet shows as text and never evaluates. Numbers (int) are written as they
are; quotes are doubled by the csv module as usual. (defusedcsv does the same for = + - @ | % but not for a tab or a
carriage return, hence this one function.)
"""

from __future__ import annotations

import csv

__all__ = ["FORMULA_START", "neutralise", "writer"]

FORMULA_START = frozenset("=+-@\t\r＝＋－＠")


def neutralise(value):
    """The cell as it is safe to write: text that a spreadsheet would evaluate gets a leading apostrophe."""
    if isinstance(value, str) and value and (value[0] in FORMULA_START or value.lstrip(" \u3000")[:1] in FORMULA_START):
        return "'" + value
    return value


class _Writer:
    def __init__(self, writer) -> None:
        self._writer = writer

    def writerow(self, row):
        return self._writer.writerow([neutralise(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def writer(stream, **options) -> _Writer:
    """csv.writer(stream, **options), every cell passed through `neutralise`."""
    return _Writer(csv.writer(stream, **options))

"""One CSV writer for every export: what a user typed is shown by a spreadsheet, never run."""

import csv
import io

import pytest

from config.spreadsheets import csv_text


@pytest.mark.parametrize("typed", ['=HYPERLINK("x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"])
def test_a_cell_that_starts_like_a_formula_is_quoted(typed):
    rows = list(csv.reader(io.StringIO(csv_text(["name"], [[typed]]), newline="")))
    assert rows == [["name"], ["'" + typed]]


def test_numbers_and_plain_text_are_left_alone_and_none_is_empty():
    text = csv_text(["name", "score", "delta"], [{"name": "Ada", "score": 91.5, "delta": -3}, ["Grace", None, 0]])
    assert list(csv.reader(io.StringIO(text))) == [
        ["name", "score", "delta"],
        ["Ada", "91.5", "-3"],
        ["Grace", "", "0"],
    ]

"""The room grid's cells as HTML, built in Python: a full room is thousands of cells redrawn every few seconds.

A 300-learner room has about 9,000 cells. Drawn by the template engine (a loop, an `if` chain and four lookups per
cell) they took most of each dashboard poll, which the instructor's browser repeats every three seconds. A cell's
markup depends only on its state and score, so each distinct one is formatted once and reused.
"""

from functools import lru_cache

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from workshops.room import Cell

register = template.Library()

CELL = '<td class="cell cell-{}"><span class="visually-hidden">{}</span><span aria-hidden="true">{}</span></td>'


@lru_cache(maxsize=4096)  # three states by the scores a quiz or lab can give: a few thousand at most
def cell_html(state: str, score: float | None) -> str:
    cell = Cell(state, score)
    return format_html(CELL, cell.state, cell.label, cell.mark)


@register.simple_tag
def grid_cells(cells: list[Cell]) -> SafeString:
    """One row's cells."""
    return SafeString("".join(cell_html(cell.state, cell.score) for cell in cells))

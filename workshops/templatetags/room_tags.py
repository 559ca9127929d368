"""The room grid's cells as HTML, built in Python: a full room is thousands of cells redrawn every few seconds.

A 300-learner room on the 2-core bench has about 9,000 cells. Drawn by the template engine (a loop, an `if` chain and
four lookups per cell) they took most of each dashboard poll, which the instructor's browser repeats every three
seconds. Cells in the same state look the same, so each distinct cell is formatted once per poll and reused.
"""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from workshops.room import Cell, whole_percent

register = template.Library()

CELL = '<td class="cell cell-{}"><span class="visually-hidden">{}</span><span aria-hidden="true">{}</span></td>'
MARKS = {"done": "✓", "progress": "…"}


def cell_html(cell: Cell) -> str:
    mark = whole_percent(cell.score) if cell.score is not None else MARKS.get(cell.state, "·")
    return format_html(CELL, cell.state, cell.label, mark)


@register.simple_tag(takes_context=True)
def grid_cells(context: template.Context, cells: list[Cell]) -> SafeString:
    """One row's cells. The formatted cells are shared by every row of the same render (keyed by what they show)."""
    formatted: dict[tuple[str, float | None], str] = context.render_context.setdefault("room_grid_cells", {})
    parts = []
    for cell in cells:
        key = (cell.state, cell.score)
        if (html := formatted.get(key)) is None:
            html = formatted[key] = cell_html(cell)
        parts.append(html)
    return SafeString("".join(parts))

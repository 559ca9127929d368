"""Bar charts as accessible inline SVG, drawn on the server: no script, a title and a description for screen
readers, colours from the site's CSS variables through classes (so charts follow the light and dark themes). Every
chart of the site (cohort analytics, team strength) is drawn here."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

ROW = 28
BAR_WIDTH = 300
VALUE_WIDTH = 60
THRESHOLD_ROOM = 24  # above the bars, for the threshold's label


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: not enough data, drawn as a gap with "n/a"
    text: str = ""  # shown after the bar, e.g. "55%"
    emphasis: str = ""  # a class that makes this row stand out, e.g. "is-weak"


@dataclass(frozen=True)
class Threshold:
    value: float
    label: str  # e.g. "60% weak line"


def bar_chart(
    *,
    title: str,
    desc: str,
    bars: list[Bar],
    low: float = 0.0,
    high: float = 1.0,
    threshold: Threshold | None = None,
    chart_id: str | None = None,
    css_class: str = "chart",
    label_width: int = 150,
) -> SafeString:
    """Horizontal bars over [low, high]; with low < 0 the bars grow left or right of a zero line; a threshold is a
    dashed line across every bar."""
    top = THRESHOLD_ROOM if threshold else 0
    height = top + ROW * len(bars) + 8
    width = label_width + BAR_WIDTH + VALUE_WIDTH
    span = high - low
    ident = chart_id or _slug(title)

    def x(value: float) -> float:
        return label_width + (min(max(value, low), high) - low) / span * BAR_WIDTH

    zero = x(0.0)
    parts = [
        format_html(
            '<svg class="{}" id="{}" role="img" viewBox="0 0 {} {}" width="100%" aria-labelledby="{}-t {}-d" '
            'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
            '<title id="{}-t">{}</title><desc id="{}-d">{}</desc>',
            css_class,
            ident,
            width,
            height,
            ident,
            ident,
            ident,
            title,
            ident,
            desc,
        ),
        format_html(
            '<rect class="chart-track" x="{}" y="{}" width="{}" height="{}"/>',
            label_width,
            top,
            BAR_WIDTH,
            height - top,
        ),
    ]
    for index, bar in enumerate(bars):
        y = top + 4 + index * ROW
        row = [
            format_html(
                '<text class="chart-label" x="{}" y="{}" text-anchor="end">{}</text>',
                label_width - 8,
                y + ROW / 2 + 4,
                _clip(bar.label),
            )
        ]
        if bar.value is not None:
            left, right = sorted((zero, x(bar.value)))
            negative = " chart-bar-negative" if bar.value < 0 else ""
            row.append(
                format_html(
                    '<rect class="chart-bar{}" x="{}" y="{}" width="{}" height="{}" rx="3"/>',
                    negative,
                    round(left, 1),
                    y + 4,
                    round(max(right - left, 1), 1),
                    ROW - 10,
                )
            )
        row.append(
            format_html(
                '<text class="chart-value" x="{}" y="{}">{}</text>',
                label_width + BAR_WIDTH + 6,
                y + ROW / 2 + 4,
                bar.text or ("n/a" if bar.value is None else ""),
            )
        )
        row_class = f"chart-row {bar.emphasis}".strip()
        parts.append(format_html('<g class="{}">{}</g>', row_class, mark_safe("".join(row))))
    if low < 0:
        parts.append(
            format_html('<line class="chart-zero" x1="{0}" x2="{0}" y1="0" y2="{1}"/>', round(zero, 1), height)
        )
    if threshold:
        tx = round(x(threshold.value), 1)
        parts.append(
            format_html(
                '<text class="chart-threshold-label" x="{0}" y="14" text-anchor="middle">{1}</text>'
                '<line class="chart-threshold" x1="{0}" x2="{0}" y1="18" y2="{2}"/>',
                tx,
                threshold.label,
                height,
            )
        )
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(parts))


def _clip(label: str, limit: int = 24) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _slug(title: str) -> str:
    return "chart-" + "".join(c if c.isalnum() else "-" for c in escape(title).lower())[:40]

"""Bar charts as accessible inline SVG, drawn on the server. Colours come from the site's CSS variables through
classes in workshops.css, so the charts follow the light and dark themes."""

from dataclasses import dataclass

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe

ROW = 28
LABEL_WIDTH = 150
BAR_WIDTH = 300
VALUE_WIDTH = 60
WIDTH = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH


@dataclass(frozen=True)
class Bar:
    label: str
    value: float | None  # None: not enough data, drawn as a gap with "n/a"
    text: str = ""


def bar_chart(*, title: str, desc: str, bars: list[Bar], low: float = 0.0, high: float = 1.0) -> SafeString:
    """Horizontal bars over [low, high]; with low < 0 the bars grow left or right of a zero line."""
    height = ROW * len(bars) + 8
    span = high - low

    def x(value: float) -> float:
        return LABEL_WIDTH + (min(max(value, low), high) - low) / span * BAR_WIDTH

    zero = x(0.0)
    parts = [
        format_html(
            '<svg class="chart" role="img" viewBox="0 0 {} {}" width="100%" aria-labelledby="{}-t {}-d" '
            'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
            '<title id="{}-t">{}</title><desc id="{}-d">{}</desc>',
            WIDTH,
            height,
            _slug(title),
            _slug(title),
            _slug(title),
            title,
            _slug(title),
            desc,
        ),
        format_html('<rect class="chart-track" x="{}" y="0" width="{}" height="{}"/>', LABEL_WIDTH, BAR_WIDTH, height),
    ]
    for index, bar in enumerate(bars):
        y = 4 + index * ROW
        parts.append(
            format_html(
                '<text class="chart-label" x="{}" y="{}" text-anchor="end">{}</text>',
                LABEL_WIDTH - 8,
                y + ROW / 2 + 4,
                _clip(bar.label),
            )
        )
        if bar.value is not None:
            left, right = sorted((zero, x(bar.value)))
            negative = " chart-bar-negative" if bar.value < 0 else ""
            parts.append(
                format_html(
                    '<rect class="chart-bar{}" x="{}" y="{}" width="{}" height="{}" rx="3"/>',
                    negative,
                    round(left, 1),
                    y + 4,
                    round(max(right - left, 1), 1),
                    ROW - 10,
                )
            )
        parts.append(
            format_html(
                '<text class="chart-value" x="{}" y="{}">{}</text>',
                LABEL_WIDTH + BAR_WIDTH + 6,
                y + ROW / 2 + 4,
                bar.text or ("n/a" if bar.value is None else ""),
            )
        )
    if low < 0:
        parts.append(
            format_html('<line class="chart-zero" x1="{0}" x2="{0}" y1="0" y2="{1}"/>', round(zero, 1), height)
        )
    parts.append(mark_safe("</svg>"))
    return mark_safe("".join(parts))


def _clip(label: str, limit: int = 22) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _slug(title: str) -> str:
    return "chart-" + "".join(c if c.isalnum() else "-" for c in escape(title).lower())[:40]

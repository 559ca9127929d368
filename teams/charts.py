"""The per-factor strength chart as server-rendered SVG: no script, colours from the site's CSS variables, a title
and description for screen readers, and the same numbers in a table beside it."""

from django.utils.html import format_html, format_html_join

from teams.strengths import WEAK_BELOW, FactorStrength

ROW = 28
LABEL_WIDTH = 210
BAR_WIDTH = 360
TOP = 24


def strength_chart(strengths: list[FactorStrength], *, chart_id: str = "strength-chart") -> str:
    height = TOP + ROW * len(strengths) + 8
    width = LABEL_WIDTH + BAR_WIDTH + 60
    threshold_x = LABEL_WIDTH + BAR_WIDTH * WEAK_BELOW / 100
    bars = format_html_join(
        "",
        '<g class="{}"><text x="{}" y="{}" class="chart-label" text-anchor="end">{}</text>'
        '<rect x="{}" y="{}" width="{}" height="{}" rx="3" class="chart-track"></rect>'
        '<rect x="{}" y="{}" width="{}" height="{}" rx="3" class="chart-bar"></rect>'
        '<text x="{}" y="{}" class="chart-value">{}%</text></g>',
        (
            (
                "chart-row is-weak" if s.weak else "chart-row",
                LABEL_WIDTH - 10,
                TOP + i * ROW + 17,
                s.name,
                LABEL_WIDTH,
                TOP + i * ROW + 4,
                BAR_WIDTH,
                ROW - 8,
                LABEL_WIDTH,
                TOP + i * ROW + 4,
                round(BAR_WIDTH * s.percent / 100, 1),
                ROW - 8,
                LABEL_WIDTH + BAR_WIDTH + 8,
                TOP + i * ROW + 17,
                f"{s.percent:g}",
            )
            for i, s in enumerate(strengths)
        ),
    )
    weak = [s.name for s in strengths if s.weak]
    description = f"Weak (below {WEAK_BELOW}%) on: {', '.join(weak)}." if weak else f"No factor below {WEAK_BELOW}%."
    return format_html(
        '<svg class="strength-chart" id="{id}" role="img" aria-labelledby="{id}-title {id}-desc" '
        'viewBox="0 0 {w} {h}" width="100%" preserveAspectRatio="xMinYMin meet">'
        '<title id="{id}-title">Team strength per factor (share of points earned)</title>'
        '<desc id="{id}-desc">{desc}</desc>'
        '<text x="{tx}" y="14" class="chart-threshold-label" text-anchor="middle">{weak}% weak line</text>'
        "{bars}"
        '<line x1="{tx}" x2="{tx}" y1="18" y2="{h}" class="chart-threshold"></line>'
        "</svg>",
        id=chart_id,
        w=width,
        h=height,
        desc=description,
        tx=round(threshold_x, 1),
        weak=WEAK_BELOW,
        bars=bars,
    )

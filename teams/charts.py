"""The per-factor strength chart (drawn by config.charts), with the same numbers in a table beside it."""

from django.utils.safestring import SafeString

from config.charts import Bar, Threshold, bar_chart
from teams.strengths import WEAK_BELOW, FactorStrength


def strength_chart(strengths: list[FactorStrength], *, chart_id: str = "strength-chart") -> SafeString:
    weak = [s.name for s in strengths if s.weak]
    return bar_chart(
        title="Team strength per factor (share of points earned)",
        desc=f"Weak (below {WEAK_BELOW}%) on: {', '.join(weak)}." if weak else f"No factor below {WEAK_BELOW}%.",
        bars=[Bar(s.name, s.percent, f"{s.percent:g}%", "is-weak" if s.weak else "") for s in strengths],
        low=0,
        high=100,
        threshold=Threshold(WEAK_BELOW, f"{WEAK_BELOW}% weak line"),
        chart_id=chart_id,
        css_class="strength-chart",
        label_width=210,
    )

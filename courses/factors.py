"""Factor numerals, as the lessons and the twelve-factor manifesto write them (III. Config)."""

NUMERALS = ("", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")


def numeral(factor: int) -> str:
    """The roman numeral of factor 1-12; "" for 0, the lessons about no single factor (history, summary)."""
    return NUMERALS[factor]

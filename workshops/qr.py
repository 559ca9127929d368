import segno


def qr_svg(url: str, *, label: str) -> str:
    """The link as a QR code, inline SVG. Dark on white whatever the theme: phone cameras need the contrast."""
    code = segno.make(url, error="m")
    svg = code.svg_inline(
        scale=8, border=2, dark="#000000", light="#ffffff", title=label, svgclass="qr-code", omitsize=True
    )
    return svg.replace("<svg ", '<svg role="img" aria-label="QR code: ' + _attr(label) + '" ', 1)


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")

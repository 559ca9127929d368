"""Bundle the stylesheets in tickets/static/src/ into tickets/static/app.css."""

from pathlib import Path

STATIC = Path(__file__).with_name("static")


def bundle() -> Path:
    target = STATIC / "app.css"
    target.write_text("\n".join(p.read_text() for p in sorted((STATIC / "src").glob("*.css"))))
    return target


if __name__ == "__main__":
    print("bundled", bundle())

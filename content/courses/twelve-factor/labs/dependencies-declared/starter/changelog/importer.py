"""One-off: import releases from another service's JSON feed.

python -m changelog.importer https://example.com/releases.json
"""

import sys

import requests

from changelog.db import connect


def main(url: str) -> None:
    response = requests.get(url, timeout=10)
    response.raise_for_status()
    rows = [(r["version"], r["released_at"], r.get("notes", "")) for r in response.json()]
    connect().executemany("INSERT OR IGNORE INTO releases (version, released_at, notes) VALUES (?, ?, ?)", rows)
    print(f"imported {len(rows)} releases")


if __name__ == "__main__":
    main(sys.argv[1])

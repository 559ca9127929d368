"""The catalogue, loaded into memory and indexed word by word when the process starts."""

import csv
import re
import signal
import time
from pathlib import Path

CATALOGUE = Path(__file__).with_name("quotes.csv")
# The production catalogue has two million rows and takes several seconds to read and index;
# this pause stands in for that so the starter stays small.
LOAD_SECONDS = 7


def load() -> tuple[dict[int, dict], dict[str, set[int]]]:
    # A half-built index must never serve, so nothing may interrupt the load.
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    with CATALOGUE.open(newline="", encoding="utf-8") as rows:
        quotes = {int(row["id"]): row for row in csv.DictReader(rows)}
    index: dict[str, set[int]] = {}
    for quote_id, quote in quotes.items():
        for word in re.findall(r"[a-z']+", quote["text"].lower()):
            index.setdefault(word, set()).add(quote_id)
    time.sleep(LOAD_SECONDS)
    return quotes, index


QUOTES, INDEX = load()

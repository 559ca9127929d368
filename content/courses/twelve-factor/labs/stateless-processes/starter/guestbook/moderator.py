"""Background work: hide entries that contain a banned word, every few seconds, forever."""

import logging
import sys
import time

from guestbook.db import connect

BANNED = ("casino", "crypto giveaway", "cheap pills")
log = logging.getLogger("guestbook.moderator")


def sweep() -> int:
    clauses = " OR ".join("lower(message) LIKE ?" for _ in BANNED)
    return (
        connect()
        .execute(f"UPDATE entries SET hidden = 1 WHERE hidden = 0 AND ({clauses})", [f"%{word}%" for word in BANNED])
        .rowcount
    )


if __name__ == "__main__":
    logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
    while True:
        hidden = sweep()
        if hidden:
            log.info("hid %s entries", hidden)
        time.sleep(5)

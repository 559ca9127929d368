"""The web process: publish a release, list releases since a date."""

import logging
import sys
from datetime import UTC

from dateutil.parser import isoparse
from flask import Flask, abort, jsonify, request

from changelog.db import connect

logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
log = logging.getLogger("changelog.web")

app = Flask(__name__)


def parse_moment(text: str) -> str:
    """An ISO 8601 date or date-time from the client, as a UTC timestamp that sorts as text."""
    try:
        moment = isoparse(text)
    except ValueError:
        abort(400, f"not an ISO 8601 date: {text!r}")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@app.get("/healthz")
def healthz():
    return jsonify(status="ok")


@app.get("/releases")
def releases():
    since = parse_moment(request.args.get("since", "1970-01-01"))
    rows = (
        connect()
        .execute(
            "SELECT version, released_at, notes FROM releases WHERE released_at >= ? ORDER BY released_at DESC",
            (since,),
        )
        .fetchall()
    )
    return jsonify(releases=[dict(row) for row in rows])


@app.post("/releases")
def publish():
    data = request.get_json(silent=True) or {}
    version, notes = str(data.get("version", "")).strip(), str(data.get("notes", "")).strip()
    if not version or not notes:
        abort(400, "a release needs a version and notes")
    released_at = parse_moment(str(data.get("released_at", "")))
    connect().execute(
        "INSERT OR REPLACE INTO releases (version, released_at, notes) VALUES (?, ?, ?)", (version, released_at, notes)
    )
    log.info("published %s", version)
    return jsonify(version=version, released_at=released_at), 201

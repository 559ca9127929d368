"""The web process: list events, buy a ticket, and (for sales demos) reset everything."""

import logging
import sys

from flask import Flask, abort, jsonify, request
from sqlalchemy import text

from tickets.db import engine
from tickets.migrate import migrate

logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
log = logging.getLogger("tickets.web")

app = Flask(__name__)

EVENTS = text(
    "SELECT e.id, e.name, e.starts_at, e.capacity - COUNT(t.id) AS left_over "
    "FROM events e LEFT JOIN tickets t ON t.event_id = e.id GROUP BY e.id ORDER BY e.starts_at"
)


@app.get("/healthz")
def healthz():
    return jsonify(status="ok")


@app.get("/events")
def events():
    with engine.connect() as connection:
        rows = connection.execute(EVENTS).mappings().all()
    return jsonify(events=[dict(row) for row in rows])


@app.post("/events/<int:event_id>/tickets")
def buy(event_id: int):
    buyer = (request.get_json(silent=True) or {}).get("buyer", "").strip()
    if not buyer:
        abort(400, "who is the ticket for?")
    with engine.begin() as connection:
        sold = connection.execute(
            text(
                "INSERT INTO tickets (event_id, buyer) SELECT :event, :buyer FROM events "
                "WHERE id = :event AND capacity > (SELECT COUNT(*) FROM tickets WHERE event_id = :event)"
            ),
            {"event": event_id, "buyer": buyer},
        ).rowcount
    if not sold:
        abort(409, "sold out, or no such event")
    return jsonify(event=event_id, buyer=buyer), 201


@app.post("/admin/reset-demo")
def reset_demo():
    """Wipe the tickets and start again from the migrations, before a sales demo."""
    applied = migrate(fresh=True)
    log.info("demo reset: %s", applied)
    return jsonify(applied=applied)

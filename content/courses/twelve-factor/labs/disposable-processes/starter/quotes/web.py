"""The web process: search the quotes, vote for one, export them all."""

import csv
import io
import logging
import sys
import time

from flask import Flask, Response, abort, jsonify, request

from quotes.catalogue import INDEX, QUOTES
from quotes.db import connect

logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
log = logging.getLogger("quotes.web")

app = Flask(__name__)


@app.get("/healthz")
def healthz():
    return jsonify(status="ok")


@app.get("/quotes")
def search():
    words = request.args.get("q", "").lower().split()
    ids = set.intersection(*(INDEX.get(w, set()) for w in words)) if words else set(QUOTES)
    return jsonify(quotes=[QUOTES[i] for i in sorted(ids)])


@app.post("/quotes/<int:quote_id>/vote")
def vote(quote_id: int):
    if quote_id not in QUOTES:
        abort(404)
    count = (
        connect()
        .execute(
            "INSERT INTO votes (quote_id, count) VALUES (?, 1) "
            "ON CONFLICT (quote_id) DO UPDATE SET count = count + 1 RETURNING count",
            (quote_id,),
        )
        .fetchone()[0]
    )
    return jsonify(id=quote_id, votes=count)


@app.get("/export")
def export():
    """Every quote as CSV. On the real catalogue this takes a while; the pause stands in for it."""
    time.sleep(1.5)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=["id", "author", "text"])
    writer.writeheader()
    writer.writerows(QUOTES[i] for i in sorted(QUOTES))
    return Response(out.getvalue(), mimetype="text/csv")

"""The web process: write notes, list them, share one through a signed link."""

import hmac
import logging
import sys

from flask import Flask, abort, jsonify, request, url_for
from itsdangerous import BadSignature, URLSafeSerializer

from notes import settings
from notes.db import connect

logging.basicConfig(stream=sys.stdout, level=logging.INFO, format="%(levelname)s %(name)s %(message)s")
log = logging.getLogger("notes.web")

app = Flask(__name__)
app.config.update(SECRET_KEY=settings.SECRET_KEY, DEBUG=settings.DEBUG)
links = URLSafeSerializer(settings.SECRET_KEY, salt="share")


@app.get("/healthz")
def healthz():
    return jsonify(status="ok")


@app.get("/notes")
def list_notes():
    rows = connect().execute("SELECT id, text, created FROM notes ORDER BY id DESC LIMIT 50").fetchall()
    return jsonify(notes=[dict(row) for row in rows])


@app.post("/notes")
def add_note():
    text = (request.get_json(silent=True) or {}).get("text", "").strip()
    if not text:
        abort(400, "a note needs some text")
    note_id = connect().execute("INSERT INTO notes (text) VALUES (?)", (text,)).lastrowid
    log.info("note %s added", note_id)
    return jsonify(id=note_id, share=url_for("shared_note", token=links.dumps(note_id))), 201


@app.get("/shared/<token>")
def shared_note(token: str):
    try:
        note_id = links.loads(token)
    except BadSignature:
        abort(404)
    row = connect().execute("SELECT id, text, created FROM notes WHERE id = ?", (note_id,)).fetchone()
    if row is None:
        abort(404)
    return jsonify(dict(row))


@app.delete("/notes/<int:note_id>")
def delete_note(note_id: int):
    given = request.headers.get("Authorization", "").removeprefix("Bearer ")
    if not settings.ADMIN_TOKEN or not hmac.compare_digest(given, settings.ADMIN_TOKEN):
        abort(403)
    connect().execute("DELETE FROM notes WHERE id = ?", (note_id,))
    return "", 204
